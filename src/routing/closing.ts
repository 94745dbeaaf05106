import { overflowTargetCode } from '../acd/definitions'
import type { PlatformConfig } from '../config/model'
import type { Logger } from '../telemetry/logger'
import { queueStatus } from './opening'

/** The engine operation the sweep needs. */
export interface ClosingEngine {
  overflowWaiting(tenant: string, queue: string, reason: string, target: string): Promise<number>
}

/**
 * Queues that overflow their callers at closing time (`at_closing: overflow`): once a queue's
 * calendar says closed, its waiting calls leave for its `closed` overflow rule's target, else its
 * `overflow` target. Run on a period by every instance (the engine moves each call once). Queues
 * that keep their callers (the default) are left alone. Returns the calls moved.
 */
export async function closingSweep(engine: ClosingEngine, config: PlatformConfig, at: Date, log?: Logger): Promise<number> {
  let moved = 0
  for (const tenant of config.tenants.values()) {
    for (const q of tenant.queues) {
      if (q.atClosing !== 'overflow') continue
      const status = queueStatus(q, at, tenant)
      if (status.open) continue
      const rule = q.overflowRules.find((r) => r.when.kind === 'closed')
      const target = overflowTargetCode(rule ? rule.to : q.overflow)
      const n = await engine.overflowWaiting(tenant.id, q.id, 'closed', target)
      if (n > 0) log?.info({ tenant: tenant.id, queue: q.id, calls: n, target, reason: status.reason }, 'queue closed: its waiting calls overflow')
      moved += n
    }
  }
  return moved
}
