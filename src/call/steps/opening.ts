import { resolvePrompt } from '../../media/prompts'
import { tenantEntryStatus } from '../../routing/opening'
import type { Call } from '../call'
import type { CallEngine, CallerMedia } from '../ports'

export type ClosedAction = 'voicemail' | 'message' | 'hangup'

/**
 * Whether the call's queue takes calls now (its `closed` flag, its calendar and that of the DDI
 * called, widened by the DDI's extra hours and the caller's contract); when it does not, what the
 * caller gets and why (`closed`, `after-hours`, `holiday:<name>`, `closure:<id>`).
 */
export function openingCheck(call: Call, at: number): { open: true } | { open: false; action: ClosedAction; reason: string; opensAt?: number } {
  const q = call.queueConfig()
  if (!q) return { open: true }
  const ddi = call.tenant.ddis.some((d) => d.number === call.presented) ? call.presented : undefined
  const status = tenantEntryStatus(call.tenant, { ddi, queue: q.id, attributes: call.attributes, caller: call.callerNumber }, new Date(at))
  if (status.open) return { open: true }
  return { open: false, action: q.whenClosed, reason: status.reason, ...(status.opensAt ? { opensAt: status.opensAt.getTime() } : {}) }
}

/**
 * The queue is closed: the `closed` event goes into the tenant's history, then the closed message,
 * voicemail or nothing. Resolves what is left to do: `voicemail` (the caller leaves a message) or
 * `end` (the call ends with reason `queue-closed`).
 */
export async function turnAway(
  deps: { engine: CallEngine; media: CallerMedia | undefined },
  call: Call,
  action: ClosedAction,
  why?: { reason: string; opensAt?: number },
): Promise<'voicemail' | 'end'> {
  await deps.engine.record(call.tenant.id, { type: 'closed', call: call.id, queue: call.queue, action, caller: call.callerNumber, reason: why?.reason, opens_at: why?.opensAt })
  if (action === 'voicemail' && deps.media) return 'voicemail'
  if (action === 'message' && deps.media) await deps.media.play(resolvePrompt(call.tenant, 'closed')).catch(() => undefined)
  return 'end'
}

