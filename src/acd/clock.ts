/** Time source of the engine, injected so that simulations run on simulated time. */
export interface Clock {
  /** Milliseconds since the epoch (or since the start of a simulation). */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock moved by hand: simulations and tests. */
export class ManualClock implements Clock {
  constructor(private current = 0) {}
  now(): number {
    return this.current
  }
  set(ms: number): void {
    if (ms < this.current) throw new Error(`clock cannot go back from ${this.current} to ${ms}`)
    this.current = ms
  }
  advance(ms: number): void {
    this.current += ms
  }
}
