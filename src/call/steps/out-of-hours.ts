import type { ClosedHandling } from '../../config/model'
import { resolvePrompt } from '../../media/prompts'
import { callOrder } from '../../routing/on-call'
import { tenantEntryStatus } from '../../routing/opening'
import type { Call } from '../call'
import type { CallerMedia, FlowDeps, OutsideLeg } from '../ports'
import { forwardCall } from './forward'

/** How long a closed DDI's forward number rings. */
const FORWARD_RING_SECONDS = 30

/** Whether the DDI the call reached is closed now (its calendar, widened by its extra hours and the caller's contract), and why. */
export function ddiClosed(call: Call, at: number): { reason: string; opensAt?: number } | undefined {
  if (!call.tenant.ddis.some((d) => d.number === call.presented)) return undefined
  const s = tenantEntryStatus(call.tenant, { ddi: call.presented, attributes: call.attributes, caller: call.callerNumber }, new Date(at))
  return s.open ? undefined : { reason: s.reason, ...(s.opensAt ? { opensAt: s.opensAt.getTime() } : {}) }
}

export type AfterHours = { kind: 'voicemail' } | { kind: 'end'; reason: string } | { kind: 'joined'; leg: OutsideLeg }

/**
 * The DDI called is closed: its out-of-hours handling, written into the call's history
 * (`out_of_hours`) with why and when it opens. A message (the `closed` prompt), voicemail, hang
 * up, a forward to an outside number, or the on-call rota: the technician on duty first, then the
 * others in the rota's order, each rung the rota's ring time, then the rota's fallback.
 */
export async function outOfHours(
  deps: Pick<FlowDeps, 'outside' | 'engine' | 'log' | 'timers'>,
  call: Call,
  media: CallerMedia | undefined,
  handling: ClosedHandling,
  why: { reason: string; opensAt?: number },
  onCancel: (cancel: () => void) => void,
): Promise<AfterHours> {
  deps.log.info({ ddi: call.presented, reason: why.reason, handling: handling.kind }, 'DDI closed')
  await deps.engine.record(call.tenant.id, {
    type: 'out_of_hours',
    call: call.id,
    ddi: call.presented,
    reason: why.reason,
    opens_at: why.opensAt,
    handling: handling.kind,
    caller: call.callerNumber,
  })
  const message = async (reason: string): Promise<AfterHours> => {
    if (media) await media.play(resolvePrompt(call.tenant, 'closed')).catch(() => undefined)
    return { kind: 'end', reason }
  }
  if (handling.kind === 'message') return message('out-of-hours')
  if (handling.kind === 'voicemail') return media ? { kind: 'voicemail' } : { kind: 'end', reason: 'out-of-hours' }
  if (handling.kind === 'hangup') return { kind: 'end', reason: 'out-of-hours' }
  if (handling.kind === 'forward') {
    const leg = await forwardCall(deps, call, { targets: [{ number: handling.number }], ringSeconds: FORWARD_RING_SECONDS, reason: 'out-of-hours', onCancel })
    return leg ? { kind: 'joined', leg } : message('forward-unanswered')
  }
  const rota = call.tenant.onCall.get(handling.rota)
  if (!rota) return message('out-of-hours')
  const targets = callOrder(rota, call.tenant.timezone, new Date(deps.timers.now())).map((t) => ({ number: t.number, technician: t.id }))
  const leg = await forwardCall(deps, call, { targets, ringSeconds: rota.ringSeconds, reason: 'on-call', rota: rota.id, onCancel })
  if (leg) return { kind: 'joined', leg }
  if (call.ended) return { kind: 'end', reason: 'caller-hangup' }
  return rota.fallback === 'voicemail' && media ? { kind: 'voicemail' } : message('on-call-unanswered')
}
