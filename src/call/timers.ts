import type { Clock } from '../acd/clock'

/** The call flow's time: the clock, delays and timers, injected so tests run on a hand-moved clock. */
export interface Timers extends Clock {
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void
}

export const realTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms)
    return () => clearTimeout(t)
  },
}

/**
 * Timers on a clock moved by hand: `advance(ms)` runs, in due order, every timer that falls due,
 * letting the promises they settle run in between.
 */
export class ManualTimers implements Timers {
  private current: number
  private seq = 0
  private readonly due: Array<{ at: number; seq: number; fn: () => void }> = []

  constructor(start = 0) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve))
  }

  after(ms: number, fn: () => void): () => void {
    const entry = { at: this.current + Math.max(0, ms), seq: this.seq++, fn }
    this.due.push(entry)
    return () => {
      const i = this.due.indexOf(entry)
      if (i >= 0) this.due.splice(i, 1)
    }
  }

  /** Pending timers. */
  get pending(): number {
    return this.due.length
  }

  async advance(ms: number): Promise<void> {
    const until = this.current + ms
    for (;;) {
      await settle()
      this.due.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.due[0]
      if (!next || next.at > until) break
      this.due.shift()
      this.current = next.at
      next.fn()
    }
    this.current = until
    await settle()
  }
}

/** Lets pending promise callbacks (and the ones they chain) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r))
}

/** Waits for `work` at most `ms`: true when it settled (either way) in time. */
export function within(timers: Timers, work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = timers.after(ms, () => resolve(false))
    work.then(
      () => (cancel(), resolve(true)),
      () => (cancel(), resolve(true)),
    )
  })
}
