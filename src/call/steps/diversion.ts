import type { Call } from '../call'
import type { FlowControls } from '../controls'
import type { FlowDeps } from '../ports'
import { forwardCall, type ForwardTarget } from './forward'
import type { OverflowStep } from './overflow'

/** How long an outside number an overflow forwards to rings. */
const FORWARD_RING_SECONDS = 30

/**
 * The caller is forwarded to outside numbers (an overflow to a backup centre); the first that
 * answers is joined. Unanswered, the caller leaves a message when on media, else the call ends.
 */
export async function forwardOut(deps: Pick<FlowDeps, 'outside' | 'engine' | 'log' | 'timers'>, call: Call, flow: FlowControls, targets: ForwardTarget[], reason: string): Promise<void> {
  call.phase = 'forwarding'
  const leg = await forwardCall(deps, call, { targets, ringSeconds: FORWARD_RING_SECONDS, reason, onCancel: (c) => flow.onCancel(c) })
  flow.onCancel(undefined)
  if (leg) return flow.joinOutside(leg)
  if (call.ended) return
  return flow.callerOnMedia() ? flow.voicemail(`${reason}-unanswered`) : flow.end('overflowed-out', `${reason}-unanswered`)
}

/** Carries out an overflow: to another queue (keeping the place), the callback offer, a number, voicemail, or the end. */
export async function divert(deps: Pick<FlowDeps, 'outside' | 'engine' | 'log' | 'timers' | 'metrics'>, call: Call, flow: FlowControls, step: OverflowStep, from: string): Promise<void> {
  if (step.kind === 'queue') {
    call.hops++
    return flow.requeue(step.queue, { keepPlace: step.keepPlace, priority: step.priority })
  }
  if (step.kind === 'callback') return flow.offerCallbackNow()
  if (step.kind === 'number') return forwardOut(deps, call, flow, [{ number: step.number }], step.reason)
  if (step.reason === 'callback-expired') deps.metrics.callbacks.inc({ tenant: call.tenant.id, queue: from, outcome: 'expired' })
  if (step.kind === 'voicemail') return flow.voicemail(step.reason)
  return flow.end(step.outcome, step.reason)
}
