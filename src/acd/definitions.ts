import type { OverflowRule, OverflowTarget, PlatformConfig, Queue } from '../config/model'
import type { RedisLike } from '../redis/connect'
import { keys } from './keys'
import { laneQueue } from '../config/probes'

/** An overflow target as the scripts and the overflow notices spell it. */
export function overflowTargetCode(t: OverflowTarget): string {
  if (t.kind === 'queue') return `queue:${t.queue}`
  if (t.kind === 'number') return `number:${t.number}`
  return t.kind
}

/** The overflow rules the engine applies (all but `closed`, which the call flow applies), as JSON. */
export function engineRules(rules: OverflowRule[]): string {
  const out = rules.flatMap((r) => {
    const t = overflowTargetCode(r.to)
    const w = r.when
    if (w.kind === 'waited') return [{ k: 'waited', v: Math.round(w.seconds * 1000), t }]
    if (w.kind === 'waiting') return [{ k: 'waiting', v: w.atLeast, t }]
    if (w.kind === 'no-agents') return [{ k: 'no-agents', t }]
    if (w.kind === 'estimated-wait') return [{ k: 'estimated-wait', v: Math.round(w.seconds * 1000), t }]
    return []
  })
  return out.length ? JSON.stringify(out) : ''
}

/** A queue's definition as the scripts read it (keys.queue). */
export function queueDefinition(q: Queue): Record<string, string | number> {
  return {
    strategy: q.strategy,
    ring_ms: Math.round(q.ringTimeoutSeconds * 1000),
    wrap_ms: Math.round(q.wrapUpSeconds * 1000),
    max_wait_ms: Math.round(q.maxWaitSeconds * 1000),
    max_len: q.maxLength,
    ref_ms: Math.round(q.referentWaitSeconds * 1000),
    sl_ms: Math.round(q.serviceLevel.seconds * 1000),
    esc: q.escalation.map((e) => Math.round(e.afterSeconds * 1000)).join(','),
    steps: q.escalation.length + 1,
    overflow: overflowTargetCode(q.overflow),
    rules: engineRules(q.overflowRules),
  }
}

export class DefinitionsError extends Error {
  override name = 'DefinitionsError'
  constructor(
    readonly failed: Map<string, Error>,
    readonly written: string[],
  ) {
    super(
      `queue definitions not written for pool${failed.size > 1 ? 's' : ''} ${[...failed].map(([p, e]) => `${p} (${e.message})`).join(', ')}` +
        (written.length ? `; written for ${written.join(', ')}` : ''),
    )
  }
}

/**
 * Writes the queue definitions and pool settings of `config`: one MULTI/EXEC per pool, since a
 * transaction must stay in one hash slot (Redis Cluster) and a pool's keys are its slot.
 *
 * What holds: within a pool the writes are one transaction: no script of that pool runs between
 * them and they are all queued or none (EXECABORT); Redis has no rollback, but an HSET on a hash
 * does not fail once queued. Across pools nothing is atomic: the pools are written side by side,
 * and when one fails (its master unreachable) the others may already hold the new definitions.
 * The writes are idempotent: writing the configuration again (the service does it when Redis
 * comes back, or on the next reload) brings every pool to it. Throws DefinitionsError naming the
 * pools that failed and those written.
 */
export async function writeDefinitions(redis: RedisLike, config: PlatformConfig): Promise<void> {
  const byPool = new Map<string, Array<[string, Record<string, string | number>]>>()
  for (const tenant of config.tenants.values()) {
    const list = byPool.get(tenant.pool) ?? []
    for (const q of tenant.queues) list.push([keys.queue(tenant.pool, tenant.id, q.id), queueDefinition(q)])
    // each probe's lane of its queue (see src/config/probes.ts)
    for (const p of config.probes?.probes.filter((x) => x.tenant === tenant.id) ?? []) {
      const base = tenant.queues.find((q) => q.id === p.queue)!
      list.push([keys.queue(tenant.pool, tenant.id, laneQueue(base, p).id), queueDefinition(laneQueue(base, p))])
    }
    byPool.set(tenant.pool, list)
  }
  const pools = [...byPool.keys()]
  const results = await Promise.allSettled(
    pools.map(async (pool) => {
      const multi = redis.multi()
      for (const [key, fields] of byPool.get(pool)!) multi.hset(key, fields)
      multi.hset(keys.settings(pool), { max_no_answer: config.settings.maxNoAnswer })
      const replies = await multi.exec()
      if (!replies) throw new Error('transaction discarded')
      const failed = replies.find(([err]) => err)
      if (failed) throw failed[0]!
    }),
  )
  const failed = new Map<string, Error>()
  results.forEach((r, i) => {
    if (r.status === 'rejected') failed.set(pools[i]!, r.reason instanceof Error ? r.reason : new Error(String(r.reason)))
  })
  if (failed.size) throw new DefinitionsError(failed, pools.filter((p) => !failed.has(p)))
}
