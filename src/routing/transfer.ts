import type { PlatformConfig } from '../config/model'
import { toE164 } from '../config/phone'
import { callableNumber } from './number-policy'
import { queueStatus } from './opening'

export type TransferTarget =
  | { kind: 'queue'; queue: string }
  | { kind: 'number'; number: string }
  | { kind: 'refused'; status: 403 | 404; reason: string }

/**
 * Where a blind transfer (REFER) by an agent of `tenant` may go: a queue of the same tenant (by
 * `queue-<id>` or one of the tenant's DDIs), or a number inside the tenant's outbound allow-list.
 * Anything that would cross tenants is refused; a queue closed at `at` (its flag or its calendar) too.
 */
export function transferTarget(config: PlatformConfig, tenant: string, referToUser: string | undefined, at: Date = new Date()): TransferTarget {
  const t = config.tenants.get(tenant)
  if (!t || !referToUser) return { kind: 'refused', status: 404, reason: 'no transfer target' }
  const q = /^queue-([a-z0-9][a-z0-9_-]*)$/.exec(referToUser)
  if (q) {
    const queue = t.queues.find((x) => x.id === q[1])
    if (!queue) return { kind: 'refused', status: 404, reason: `tenant ${tenant} has no queue ${q[1]}` }
    if (!queueStatus(queue, at, t).open) return { kind: 'refused', status: 403, reason: `queue ${queue.id} is closed` }
    return { kind: 'queue', queue: queue.id }
  }
  const number = toE164(referToUser, config.settings.defaultRegion)
  if (!number) return { kind: 'refused', status: 404, reason: `not a number or queue: ${referToUser}` }
  const ddi = config.ddis.get(number)
  if (ddi) {
    if (ddi.tenant !== tenant) return { kind: 'refused', status: 403, reason: `${number} belongs to another tenant` }
    if (ddi.entry.kind !== 'queue') return { kind: 'refused', status: 404, reason: `${number} does not lead to a queue` }
    const queue = t.queues.find((x) => x.id === (ddi.entry as { queue: string }).queue)
    if (queue && !queueStatus(queue, at, t).open) return { kind: 'refused', status: 403, reason: `queue ${queue.id} is closed` }
    return { kind: 'queue', queue: ddi.entry.queue }
  }
  const callable = callableNumber(config, tenant, number)
  return callable.ok ? { kind: 'number', number: callable.number } : { kind: 'refused', status: 403, reason: callable.reason }
}
