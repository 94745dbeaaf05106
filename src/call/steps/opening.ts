import { resolvePrompt } from '../../media/prompts'
import { queueStatus } from '../../routing/opening'
import type { Call } from '../call'
import type { CallEngine, CallerMedia } from '../ports'

export type ClosedAction = 'voicemail' | 'message' | 'hangup'

/** Whether the call's queue takes calls now; when it does not, what the caller gets. */
export function openingCheck(call: Call, at: number): { open: true } | { open: false; action: ClosedAction } {
  const q = call.queueConfig()
  const status = q ? queueStatus(q, new Date(at)) : undefined
  return status && !status.open ? { open: false, action: status.action } : { open: true }
}

/**
 * The queue is closed: the `closed` event goes into the tenant's history, then the closed message,
 * voicemail or nothing. Resolves what is left to do: `voicemail` (the caller leaves a message) or
 * `end` (the call ends with reason `queue-closed`).
 */
export async function turnAway(deps: { engine: CallEngine; media: CallerMedia | undefined }, call: Call, action: ClosedAction): Promise<'voicemail' | 'end'> {
  await deps.engine.record(call.tenant.id, { type: 'closed', call: call.id, queue: call.queue, action, caller: call.callerNumber })
  if (action === 'voicemail' && deps.media) return 'voicemail'
  if (action === 'message' && deps.media) await deps.media.play(resolvePrompt(call.tenant, 'closed')).catch(() => undefined)
  return 'end'
}

