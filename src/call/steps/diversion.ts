import type { Call } from '../call'
import type { FlowControls } from '../controls'
import type { FlowDeps } from '../ports'
import { forwardCall, type ForwardTarget } from './forward'
import { outOfHours } from './out-of-hours'
import { stepTo, type OverflowStep } from './overflow'
import { backupQueue } from '../../routing/sites'

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
  return flow.callerMedia() ? flow.voicemail(`${reason}-unanswered`) : flow.end('overflowed-out', `${reason}-unanswered`)
}

/** Carries out an overflow: to another queue (keeping the place), the callback offer, a number, voicemail, or the end. */
export async function divert(deps: Pick<FlowDeps, 'outside' | 'engine' | 'log' | 'timers' | 'metrics'>, call: Call, flow: FlowControls, step: OverflowStep, from: string): Promise<void> {
  if (step.kind === 'backup-site') {
    const backup = backupQueue(deps.engine.platform, call.tenant.id, call.queue)
    if (!backup) return flow.callerMedia() ? flow.voicemail(step.reason) : flow.end('overflowed-out', step.reason)
    step = { kind: 'queue', queue: backup, keepPlace: step.keepPlace, priority: step.priority }
  }
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

/** The queue is closed and has a `closed` overflow rule: its target instead of `when_closed`, in the history as `closed`. */
export async function closedOverflow(deps: Pick<FlowDeps, 'outside' | 'engine' | 'log' | 'timers' | 'metrics'>, call: Call, flow: FlowControls, target: string, why: { reason: string; opensAt?: number }): Promise<void> {
  deps.log.info({ queue: call.queue, reason: why.reason, target }, 'queue closed: its closed rule applies')
  await deps.engine.record(call.tenant.id, { type: 'closed', call: call.id, queue: call.queue, action: 'overflow', target, caller: call.callerNumber, reason: why.reason, opens_at: why.opensAt })
  return divert(deps, call, flow, stepTo(target, 'closed', Boolean(flow.callerMedia()), call.hops), call.queue)
}

/** The DDI is closed: its out-of-hours handling (message, voicemail, hang up, forward, the on-call rota). */
export async function afterHours(deps: Pick<FlowDeps, 'outside' | 'engine' | 'log' | 'timers'>, call: Call, flow: FlowControls, why: { reason: string; opensAt?: number }): Promise<void> {
  const ddi = call.tenant.ddis.find((d) => d.number === call.presented)!
  call.phase = 'forwarding'
  const r = await outOfHours(deps, call, flow.callerMedia(), ddi.whenClosed, why, (c) => flow.onCancel(c))
  flow.onCancel(undefined)
  if (call.ended) return
  if (r.kind === 'joined') return flow.joinOutside(r.leg)
  if (r.kind === 'voicemail') return flow.voicemail('out-of-hours')
  return flow.end('refused', r.reason)
}
