import type Srf from 'drachtio-srf'
import type { AgentDial, AgentDialer } from '../call/ports'
import type { Registrar } from '../agents/registrar'
import type { PlatformConfig, Tenant } from '../config/model'
import type { AgentMedia, MediaGateway } from '../media/gateway'
import { answerProblem } from '../media/sdp-media'
import type { Logger } from '../telemetry/logger'
import type { TrunkChannels } from '../trunks/channels'
import { endDialog, inviteCanceller } from './dialogs'
import { agentContact } from './outbound-legs'
import { PartyLeg } from './party-leg'

export interface AgentDialerDeps {
  srf: Srf
  registrar: Registrar
  channels: TrunkChannels
  media: MediaGateway | undefined
  config: () => PlatformConfig
  log: Logger
}

/**
 * Rings an agent for a call: the registered phone, or the external number through one of the
 * tenant's outbound trunks (holding a channel under `<call>:<agent>`), offering a media-server
 * endpoint (or, without media, the caller's SDP). On every failure the channel and the endpoint
 * are given back; the error carries the SIP status.
 */
export class SipAgentDialer implements AgentDialer {
  constructor(
    private readonly deps: AgentDialerDeps,
    private readonly callerSdp: (call: string) => string | undefined,
  ) {}

  async dial(req: { tenant: Tenant; call: string; agent: string; headers: Record<string, string> }): Promise<AgentDial | { unreachable: string }> {
    const { registrar, channels, srf, media, log } = this.deps
    const key = `${req.call}:${req.agent}`
    const target = await agentContact({ registrar, channels, config: this.deps.config() }, req.tenant.id, req.agent, key)
    if (!target) return { unreachable: 'no registered phone and no reachable external number' }
    const channel = target.trunk ? { trunk: target.trunk, key } : undefined
    const invite = inviteCanceller()
    let ringing: AgentMedia | undefined
    const answered = (async () => {
      const endpoint = media ? await media.agentLeg() : undefined
      ringing = endpoint
      try {
        if (invite.cancelled) throw Object.assign(new Error('cancelled'), { cancelled: true })
        const dialog = await srf.createUAC(
          target.contact,
          { localSdp: endpoint ? endpoint.offer : this.callerSdp(req.call), headers: req.headers },
          invite.progress,
        )
        try {
          const problem = endpoint ? answerProblem(dialog.remote.sdp) : undefined
          if (problem) {
            log.warn({ agent: req.agent, problem }, "the agent's phone answered with media the platform cannot use")
            throw Object.assign(new Error(problem), { status: 488 })
          }
          if (endpoint) await endpoint.answered(dialog.remote.sdp)
        } catch (err) {
          endDialog(dialog)
          throw err
        }
        return new PartyLeg({ channels, media, log }, dialog, endpoint, req.agent, undefined, channel)
      } catch (err) {
        await endpoint?.release()
        throw err
      }
    })().catch(async (err: unknown) => {
      if (channel) await channels.release(channel.trunk, 'out', channel.key).catch(() => undefined)
      throw err
    })
    // a ring given up frees its media at once: the INVITE may take its SIP timers to end
    const cancel = () => {
      invite.cancel()
      void ringing?.release()
    }
    return { answered, cancel }
  }
}
