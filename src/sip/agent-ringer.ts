import type Srf from 'drachtio-srf'
import type { AcdEngine } from '../acd/engine'
import type { Registrar } from '../agents/registrar'
import type { Trunk } from '../config/model'
import type { AgentMedia, MediaGateway } from '../media/gateway'
import { answerProblem } from '../media/sdp-media'
import type { Logger } from '../telemetry/logger'
import type { TrunkChannels } from '../trunks/channels'
import { endDialog } from './dialogs'
import { agentContact } from './outbound-legs'

/** One agent being rung for a call. */
export interface Ring {
  agent: string
  /** Set when a remote agent is rung through the tenant's outbound trunk (channel key `<call>:<agent>`). */
  outboundTrunk?: Trunk
  attempt: number
  request?: Srf.SrfRequest
  media?: AgentMedia
  cancelled: boolean
}

/** What the ringer needs from the call it rings agents for. */
export interface RingingCall {
  readonly id: string
  readonly tenant: string
  readonly ended: boolean
  /** Headers of the INVITE to the agent (From, X-ACD-*). */
  agentHeaders(): Record<string, string>
  /** The SDP to offer when there is no media server (the caller's). */
  callerSdp(): string
  /** True once an agent's answer is being taken: later answers are dropped. */
  readonly answering: boolean
  /** The first agent to answer: the call takes it (claim the call, tell the engine, bridge). */
  agentAnswered(ring: Ring, dialog: Srf.Dialog): Promise<void>
}

export interface RingerDeps {
  srf: Srf
  engine: AcdEngine
  registrar: Registrar
  channels: TrunkChannels
  media: MediaGateway | undefined
}

/**
 * Rings the agents the engine offered a call to (one, or all for ring-all): on the registered
 * phone, or on the external number through the tenant's outbound trunk; tells the engine when an
 * agent does not take it (busy, declined, ring timeout, unreachable); cancels rings on withdrawal.
 */
export class AgentRinger {
  private readonly rings = new Map<string, Ring>()

  constructor(
    private readonly deps: RingerDeps,
    private readonly call: RingingCall,
    private readonly log: Logger,
  ) {}

  async ring(agent: string, attempt: number): Promise<void> {
    const { registrar, channels, srf, media, engine } = this.deps
    const { call } = this
    const ring: Ring = { agent, attempt, cancelled: false }
    this.rings.set(agent, ring)
    const target = await agentContact({ registrar, channels, config: engine.platform }, call.tenant, agent, `${call.id}:${agent}`)
    ring.outboundTrunk = target?.trunk
    if (!target) {
      this.forget(ring)
      this.log.warn({ agent }, 'agent has no registered phone and no reachable external number')
      await engine.noAnswer(call.tenant, call.id, agent, 'unreachable').catch(() => undefined)
      return
    }
    try {
      if (media) ring.media = await media.agentLeg()
      if (ring.cancelled || call.ended) throw new Error('cancelled')
      const dialog = await srf.createUAC(
        target.contact,
        { localSdp: ring.media ? ring.media.offer : call.callerSdp(), headers: call.agentHeaders() },
        {
          // drachtio-srf calls it as (err, request), whatever its type declaration says
          cbRequest: ((_err: unknown, r?: Srf.SrfRequest) => {
            if (!r) return
            ring.request = r
            // cancelled while the INVITE was being sent: cancel it now that it exists
            if (ring.cancelled) r.cancel(() => undefined)
          }) as unknown as (req: Srf.SrfRequest) => void,
        },
      )
      if (ring.cancelled || call.ended || call.answering) {
        endDialog(dialog)
        throw new Error('cancelled')
      }
      const problem = ring.media ? answerProblem(dialog.remote.sdp) : undefined
      if (problem) {
        this.log.warn({ agent, problem }, "the agent's phone answered with media the platform cannot use")
        endDialog(dialog)
        throw Object.assign(new Error(problem), { status: 488 })
      }
      this.forget(ring)
      await call.agentAnswered(ring, dialog)
    } catch (err) {
      this.forget(ring)
      await ring.media?.release()
      if (ring.outboundTrunk) await channels.release(ring.outboundTrunk, 'out', `${call.id}:${agent}`).catch(() => undefined)
      const status = (err as { status?: number }).status
      if (ring.cancelled || call.ended || (err as Error).message === 'cancelled' || status === 487) return
      const reason = status === 486 || status === 600 ? 'busy' : status === 603 ? 'declined' : status === 408 || status === 480 ? 'ring-timeout' : 'unreachable'
      this.log.info({ agent, status, reason }, 'agent did not take the call')
      await engine.noAnswer(call.tenant, call.id, agent, reason).catch((e) => this.log.debug({ err: e }, 'offer already gone'))
    }
  }

  /** The engine took the offer back from this agent: stop ringing it. */
  withdraw(agent: string): void {
    const ring = this.rings.get(agent)
    if (ring) this.cancel(ring)
  }

  /** Stops ringing every agent (another answered, or the call ended). */
  cancelAll(): void {
    for (const ring of [...this.rings.values()]) this.cancel(ring)
  }

  /** Drops a ring from the table unless a newer ring to the same agent replaced it. */
  private forget(ring: Ring): void {
    if (this.rings.get(ring.agent) === ring) this.rings.delete(ring.agent)
  }

  private cancel(ring: Ring): void {
    ring.cancelled = true
    this.forget(ring)
    this.log.debug({ agent: ring.agent, sent: Boolean(ring.request) }, 'cancelling the ring to an agent')
    try {
      ring.request?.cancel(() => undefined)
    } catch (err) {
      this.log.debug({ err }, 'ring already ended')
    }
  }
}
