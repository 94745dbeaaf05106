import type { Call } from '../call'
import type { FlowDeps, OutsideLeg } from '../ports'

export interface ForwardTarget {
  number: string
  /** the on-call technician this number reaches */
  technician?: string
}

/**
 * Forwards the caller to outside numbers on the tenant's outbound trunk (channel caps apply), one
 * after the other, each rung `ringSeconds`: the first that answers is returned, to be joined to the
 * caller. Every attempt goes into the call's history (`forwarded`), with the response time when
 * answered. Undefined when none answered or the caller left.
 */
export async function forwardCall(
  deps: Pick<FlowDeps, 'outside' | 'engine' | 'log' | 'timers'>,
  call: Call,
  o: { targets: ForwardTarget[]; ringSeconds: number; reason: string; rota?: string; onCancel(cancel: () => void): void },
): Promise<OutsideLeg | undefined> {
  for (const [i, target] of o.targets.entries()) {
    if (call.ended) return undefined
    const r = await deps.outside.call({
      tenant: call.tenant,
      number: target.number,
      from: call.presented,
      ringSeconds: o.ringSeconds,
      cancelled: () => call.ended,
      onCancel: o.onCancel,
    })
    const outcome = r.ok ? 'answered' : r.outcome
    deps.log.info({ number: target.number, technician: target.technician, reason: o.reason, outcome }, 'forward attempt')
    await deps.engine
      .record(call.tenant.id, {
        type: 'forwarded',
        call: call.id,
        number: target.number,
        reason: o.reason,
        attempt: i + 1,
        outcome,
        rota: o.rota,
        technician: target.technician,
        response_ms: r.ok ? Math.max(0, deps.timers.now() - call.arrivedAt) : undefined,
      })
      .catch((err: unknown) => deps.log.error({ err }, 'forward attempt not recorded'))
    if (!r.ok) continue
    if (call.ended) {
      r.leg.hangup()
      await r.leg.release()
      return undefined
    }
    call.forwarded = { reason: o.reason }
    return r.leg
  }
  return undefined
}
