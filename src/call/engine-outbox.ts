import { AcdError } from '../acd/types'
import type { Logger } from '../telemetry/logger'

interface Pending {
  what: string
  op: () => Promise<unknown>
  at: number
}

/**
 * What the call flow could not tell the engine while Redis was away (the end of a call, its
 * history record): kept in order and told again once Redis answers, so that calls which ended
 * during an outage are reconciled in the engine (their agents freed) without a manual step. An
 * operation the engine refuses (the state moved on) is dropped; at most `max` are kept, the
 * oldest given up first, so an outage cannot grow memory without bound.
 */
export class EngineOutbox {
  private readonly pending: Pending[] = []
  private flushing?: Promise<void>

  constructor(
    private readonly log: Logger,
    private readonly max = 10_000,
  ) {}

  get size(): number {
    return this.pending.length
  }

  add(what: string, op: () => Promise<unknown>): void {
    this.pending.push({ what, op, at: Date.now() })
    if (this.pending.length > this.max) {
      const lost = this.pending.shift()!
      this.log.error({ what: lost.what }, 'engine outbox full: the oldest operation is given up')
    }
  }

  /** Tells the engine again, in order; stops at the first that fails for want of Redis. */
  flush(): Promise<void> {
    return (this.flushing ??= (async () => {
      let done = 0
      while (this.pending.length) {
        const next = this.pending[0]!
        try {
          await next.op()
        } catch (err) {
          if (!(err instanceof AcdError)) break
          this.log.info({ what: next.what, code: err.code }, 'a deferred engine operation no longer applies')
        }
        this.pending.shift()
        done++
      }
      if (done) this.log.info({ done, left: this.pending.length }, 'deferred engine operations told again')
    })().finally(() => (this.flushing = undefined)))
  }
}
