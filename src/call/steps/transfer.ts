import { transferTarget, type TransferTarget } from '../../routing/transfer'
import type { Call } from '../call'
import type { FlowControls } from '../controls'
import type { AgentLeg, FlowDeps, OutsideLeg } from '../ports'
import { stopTalkClock } from './ending'

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

/**
 * A blind transfer asked by the connected agent's phone: refused (the SIP status and why), or
 * accepted (202) and carried out: back to a queue of the tenant, or to an outside number joined
 * to the caller.
 */
export function askTransfer(
  deps: Pick<FlowDeps, 'engine' | 'outside' | 'log' | 'timers'>,
  call: Call,
  leg: AgentLeg,
  target: string | undefined,
  flow: FlowControls,
): { status: number; reason?: string } {
  if (!flow.isConnectedAgent(leg)) return { status: 481, reason: 'no call to transfer' }
  const decision = transferTarget(deps.engine.platform, call.tenant.id, target, new Date(deps.timers.now()))
  if (decision.kind === 'refused') {
    deps.log.warn({ agent: call.agent, target, reason: decision.reason }, 'transfer refused')
    return { status: decision.status, reason: decision.reason }
  }
  deps.log.info({ agent: call.agent, target: decision }, 'blind transfer')
  // the transferring phone's own hang-up ends its leg only
  flow.letGo(leg)
  stopTalkClock(call, deps.timers.now())
  void blindTransfer(deps, call, leg, decision, {
    requeue: (queue) => flow.requeue(queue, { hold: true, attributes: { ddi: call.presented, transferred: 'true' } }),
    joined: (outside) => flow.joinOutside(outside),
    fail: (reason) => flow.end('failed', reason),
    onCancel: (c) => flow.onCancel(c),
  }).catch((err: unknown) => deps.log.error({ err }, 'transfer failed'))
  return { status: 202 }
}
