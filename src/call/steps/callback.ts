import { ringbackTone } from '../../media/prompts'
import type { Call } from '../call'
import type { AgentLeg, FlowDeps, OutsideLeg } from '../ports'

/** How long a callback's customer is rung when the queue does not say. */
const DEFAULT_RING_SECONDS = 30

export type CallbackAttempt =
  | { kind: 'connected'; customer: OutsideLeg }
  /** busy, no answer, failed or the agent left: the agent is to be freed; `givenUp` after the last attempt */
  | { kind: 'failed'; givenUp: boolean }
  /** the call ended meanwhile */
  | { kind: 'ended' }

/**
 * A callback's agent answered: the customer is called on the tenant's outbound trunk while the
 * agent hears ringback; the engine is told how it went (connected, or a failed attempt that it
 * retries per the queue's policy or gives up).
 */
export async function callCustomerBack(
  deps: Pick<FlowDeps, 'engine' | 'outside' | 'log'>,
  call: Call,
  agent: AgentLeg,
  hooks: { agentPresent(): boolean; onCancel(cancel: () => void): void },
): Promise<CallbackAttempt> {
  const number = call.callbackNumber!
  const offer = call.queueConfig()?.callback
  agent.play(ringbackTone(deps.engine.platform.settings.defaultRegion))
  deps.log.info({ number, agent: call.agent }, 'calling the customer back')
  const r = await deps.outside.call({
    tenant: call.tenant,
    number,
    from: call.presented,
    ringSeconds: offer?.ringSeconds ?? DEFAULT_RING_SECONDS,
    headers: { 'X-ACD-Callback': call.id },
    cancelled: () => call.ended,
    onCancel: hooks.onCancel,
  })
  if (call.ended) return { kind: 'ended' }
  if (r.ok && hooks.agentPresent()) {
    await deps.engine.callbackResult(call.tenant.id, call.queue, call.id, 'connected')
    call.callbackNumber = undefined
    deps.log.info({ number, agent: call.agent }, 'callback connected: customer and agent bridged')
    return { kind: 'connected', customer: r.leg }
  }
  if (r.ok) {
    // the agent hung up as the customer answered
    r.leg.hangup()
    await r.leg.release()
  }
  const agentLeft = !hooks.agentPresent()
  const outcome = !agentLeft && !r.ok && (r.outcome === 'busy' || r.outcome === 'no-answer') ? r.outcome : 'failed'
  deps.log.info({ number, outcome, agentLeft, status: r.ok ? undefined : r.status }, 'callback attempt failed')
  const result = await deps.engine.callbackResult(call.tenant.id, call.queue, call.id, outcome).catch((err: unknown) => {
    deps.log.error({ err }, 'callback attempt could not be recorded')
    return { state: 'failed' as const, attempt: 0 }
  })
  if (result.state === 'failed') deps.log.warn({ number, attempts: result.attempt }, 'callback given up after its last attempt')
  return { kind: 'failed', givenUp: result.state === 'failed' }
}
