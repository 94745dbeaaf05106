// The ends of calls a Redis failover undid. Redis replicates asynchronously: after a failover the
// new master holds a prefix of what the old one acknowledged, and the last moment's writes can be
// gone (README "Redis high availability"). When they were the end of a call — the engine told the
// call is over, its `call_ended`, its trunk channel released — the new master still shows the call
// connected, its agent on-call and the channel held, for a call nobody carries any more: the agent
// would be stuck until someone logs it out. So the instance keeps, for a while, what it told Redis at
// the end of each call, and once Redis is back (a new connection is ready) it looks whether those
// ends are still there and tells again those that are not.
import { keys } from '../acd/keys'
import type { AcdEngine } from '../acd/engine'
import { AcdError } from '../acd/types'
import type { CallEnd } from '../call/ports'
import { readHistory } from '../events/history'
import type { RedisLike } from '../redis/connect'
import type { Logger } from '../telemetry/logger'
import type { TrunkChannels } from '../trunks/channels'

/** How long an end is kept to be checked again (well beyond a failover's loss window). */
export const END_JOURNAL_KEEP_MS = 60_000
/** The history is read from this long before the oldest end checked (clock differences). */
const HISTORY_MARGIN_MS = 10_000

export interface EndsReplayed {
  /** ends checked on the new connection */
  checked: number
  /** calls the engine held again, told again to end */
  ended: number
  /** their `call_ended` written again */
  recorded: number
}

interface Told extends CallEnd {
  at: number
}

export class EndJournal {
  private readonly ends = new Map<string, Told>()
  private replaying?: Promise<EndsReplayed>

  constructor(
    private readonly deps: { redis: RedisLike; engine: AcdEngine; channels: TrunkChannels; log: Logger },
    private readonly keepMs = END_JOURNAL_KEEP_MS,
    private readonly max = 20_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get size(): number {
    return this.ends.size
  }

  /** The end of a call as told to Redis (the call flow's port). */
  told(end: CallEnd): void {
    this.prune()
    const ref = `${end.tenant}/${end.call}`
    this.ends.delete(ref)
    this.ends.set(ref, { ...end, at: this.now() })
    if (this.ends.size > this.max) this.ends.delete(this.ends.keys().next().value!)
  }

  private prune(): void {
    const before = this.now() - this.keepMs
    for (const [ref, e] of this.ends) {
      if (e.at >= before) break
      this.ends.delete(ref)
    }
  }

  /**
   * Checks every end kept against what Redis holds now, and tells again what it lacks: a call the
   * engine still holds is ended again (its agent freed), its `call_ended` written again when the
   * history lacks it, and every kept call's trunk channel released (a no-op when it was). Nothing
   * is kept from being checked again: a connection that lands on the old master for a moment
   * finds nothing to do there, and the next one, on the new master, does it.
   */
  replay(): Promise<EndsReplayed> {
    return (this.replaying ??= this.check().finally(() => (this.replaying = undefined)))
  }

  private async check(): Promise<EndsReplayed> {
    this.prune()
    const { redis, engine, channels, log } = this.deps
    const all = [...this.ends.values()]
    const done: EndsReplayed = { checked: all.length, ended: 0, recorded: 0 }
    if (!all.length) return done
    const held = await redis.pipeline(all.map((e) => ['exists', keys.call(engine.poolOf(e.tenant), e.tenant, e.call)])).exec()
    const undone = all.filter((_, i) => Number(held?.[i]?.[1]) === 1)
    for (const e of undone) {
      try {
        await engine.hangup(e.tenant, e.call, e.by)
        done.ended++
      } catch (err) {
        if (!(err instanceof AcdError)) throw err
        log.info({ tenant: e.tenant, call: e.call, code: err.code }, 'an undone end of call no longer applies')
      }
    }
    // the history is written after the engine is told: where the end was undone, so was its record
    for (const tenant of new Set(undone.map((e) => e.tenant))) {
      const mine = undone.filter((e) => e.tenant === tenant)
      const since = Math.min(...mine.map((e) => e.at)) - HISTORY_MARGIN_MS
      const recorded = new Set((await readHistory(redis, engine.poolOf(tenant), tenant, { types: ['call_ended'], start: since })).map((x) => x.call))
      for (const e of mine) {
        if (recorded.has(e.call)) continue
        await engine.record(tenant, e.event)
        done.recorded++
      }
    }
    const releases = redis.pipeline()
    for (const e of all) {
      const trunk = e.trunk ? engine.platform.tenants.get(e.tenant)?.trunks.find((x) => x.id === e.trunk) : undefined
      if (trunk) releases.hdel(channels.key(trunk, 'in'), e.call)
    }
    await releases.exec()
    if (done.ended || done.recorded) log.warn({ ...done, calls: undone.map((e) => `${e.tenant}/${e.call}`) }, 'ends of calls lost with the old Redis master told again')
    return done
  }
}
