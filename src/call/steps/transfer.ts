import type { TransferTarget } from '../../routing/transfer'
import type { Call } from '../call'
import type { AgentLeg, FlowDeps, OutsideLeg } from '../ports'

/** How long an outside transfer target is rung. */
const OUTSIDE_RING_SECONDS = 60

/**
 * The transfer, once accepted: the engine closes the agent's part of the call (the agent goes to
 * wrap-up), the agent's leg is let go; then the caller queues again (`requeue`) or the outside
 * number is called on the tenant's trunk and joined (`joined`), or the call fails (`fail`).
 */
export async function blindTransfer(
  deps: Pick<FlowDeps, 'engine' | 'outside' | 'log'>,
  call: Call,
  leg: AgentLeg,
  target: Exclude<TransferTarget, { kind: 'refused' }>,
  then: { requeue(queue: string): Promise<void>; joined(outside: OutsideLeg): Promise<void>; fail(reason: string): Promise<void>; onCancel(cancel: () => void): void },
): Promise<void> {
  await deps.engine.complete(call.tenant.id, call.id, 'agent')
  leg.hangup()
  await leg.release()
  call.agent = undefined
  if (call.ended) return
  if (target.kind === 'queue') return then.requeue(target.queue)
  const r = await deps.outside.call({
    tenant: call.tenant,
    number: target.number,
    from: call.presented,
    ringSeconds: OUTSIDE_RING_SECONDS,
    cancelled: () => call.ended,
    onCancel: then.onCancel,
  })
  if (!r.ok) {
    deps.log.info({ number: target.number, outcome: r.outcome, status: r.status }, 'transfer target not reached')
    return then.fail(r.outcome === 'no-channel' ? 'outbound-channels-full' : 'transfer-failed')
  }
  call.transferredOut = true
  await then.joined(r.leg)
}
