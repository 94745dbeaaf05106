import type { Call } from '../call'
import type { AgentDialer, AgentLeg, CallEngine } from '../ports'
import { agentRefusal } from '../refusals'
import type { Logger } from '../../telemetry/logger'

interface Ring {
  agent: string
  cancelled: boolean
  cancel?: () => void
}

/**
 * Rings the agents the engine offered a call to (one, or all for ring-all) through the agent
 * dialer; tells the engine when an agent does not take it (busy, declined, ring time-out,
 * unreachable); cancels rings on withdrawal or when another answered. The first answer goes to
 * `answered`, which says whether the call took it; a leg the call did not take is hung up.
 */
export class Ringing {
  private readonly rings = new Map<string, Ring>()

  constructor(
    private readonly deps: { engine: CallEngine; agents: AgentDialer; log: Logger },
    private readonly call: Call,
    private readonly headers: () => Record<string, string>,
    private readonly answered: (agent: string, leg: AgentLeg) => Promise<boolean>,
  ) {}

  async ring(agent: string): Promise<void> {
    const { engine, log } = this.deps
    const { call } = this
    const ring: Ring = { agent, cancelled: false }
    this.rings.set(agent, ring)
    const dial = await this.deps.agents.dial({ tenant: call.tenant, call: call.id, agent, headers: this.headers() })
    if ('unreachable' in dial) {
      this.forget(ring)
      log.warn({ agent, reason: dial.unreachable }, 'agent cannot be rung')
      await engine.noAnswer(call.tenant.id, call.id, agent, 'unreachable').catch(() => undefined)
      return
    }
    ring.cancel = dial.cancel
    if (ring.cancelled || call.ended) dial.cancel()
    let leg: AgentLeg
    try {
      leg = await dial.answered
    } catch (err) {
      this.forget(ring)
      const status = (err as { status?: number }).status
      if (ring.cancelled || call.ended || (err as { cancelled?: boolean }).cancelled || status === 487) return
      const reason = agentRefusal(status)
      log.info({ agent, status, reason }, 'agent did not take the call')
      await engine.noAnswer(call.tenant.id, call.id, agent, reason).catch((e: unknown) => log.debug({ err: e }, 'offer already gone'))
      return
    }
    this.forget(ring)
    const taken = !ring.cancelled && !call.ended && !call.answering && (await this.answered(agent, leg))
    if (!taken) {
      leg.hangup()
      await leg.release()
    }
  }

  /** The engine took the offer back from this agent: stop ringing it. */
  withdraw(agent: string): void {
    const ring = this.rings.get(agent)
    if (ring) this.stop(ring)
  }

  /** Stops ringing every agent (another answered, or the call ended). */
  cancelAll(): void {
    for (const ring of [...this.rings.values()]) this.stop(ring)
  }

  /** Drops a ring from the table unless a newer ring to the same agent replaced it. */
  private forget(ring: Ring): void {
    if (this.rings.get(ring.agent) === ring) this.rings.delete(ring.agent)
  }

  private stop(ring: Ring): void {
    ring.cancelled = true
    this.forget(ring)
    ring.cancel?.()
  }
}
