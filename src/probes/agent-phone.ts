// The probe agents' phone: on the probes' own drachtio-server, it answers the platform's INVITEs
// for probe agents with an RTP endpoint sending the agent's tone (what the probe caller listens
// for), and ends each of its legs on the platform's BYE or at the latest after its probe's
// time-out and a margin. Only INVITEs for a probe agent of the configuration, rung for its tenant
// while the engine has it reserved for a call, are answered.
import type Srf from 'drachtio-srf'
import type { PlatformConfig } from '../config/model'
import { RtpEndpoint } from '../media/rtp-endpoint'
import type { Logger } from '../telemetry/logger'
import { endDialog } from '../sip/dialogs'
import { uriUser } from '../sip/sdp'
import { probeSdp, remoteAudio } from './sdp'

/** The tone a probe agent sends: the caller hearing it proves the bridge carries audio. */
export const AGENT_TONE_HZ = 1850
/** The tone a probe caller sends. */
export const CALLER_TONE_HZ = 1250
const MARGIN_MS = 10_000

export class ProbeAgentPhone {
  private readonly legs = new Set<{ end(): void }>()

  constructor(
    private readonly deps: {
      srf: Srf
      config: () => PlatformConfig
      rtpAddress: string
      log: Logger
      /** whether the engine rings this probe agent now (reserved for a call): no other INVITE is answered */
      ringing(agent: string): Promise<boolean>
    },
  ) {}

  /** Legs answered and not ended yet (0 once every probe call is over). */
  get liveLegs(): number {
    return this.legs.size
  }

  attach(): void {
    this.deps.srf.invite((req, res) => void this.onInvite(req, res).catch((err: unknown) => {
      this.deps.log.error({ err }, 'probe agent phone failed')
      if (!res.finalResponseSent) res.send(500)
    }))
  }

  private async onInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const config = this.deps.config()
    const agent = config.agents.get(uriUser(req.uri) ?? '')
    const tenant = req.get('X-ACD-Tenant')
    if (!agent?.probe || agent.probe.tenant !== tenant) return void res.send(404)
    const probe = config.probes?.probes.find((p) => p.tenant === tenant && p.id === agent.probe!.probe)
    const far = remoteAudio(req.body)
    if (!probe || !far) return void res.send(488)
    if (!(await this.deps.ringing(agent.id))) {
      this.deps.log.warn({ tenant, probe: probe.id, source: req.source_address }, 'an INVITE for a probe agent the platform is not ringing: refused')
      return void res.send(480)
    }
    const rtp = await RtpEndpoint.open({ host: this.deps.rtpAddress, port: 0, toneHz: AGENT_TONE_HZ, remote: far })
    let dialog: Srf.Dialog | undefined
    const leg = {
      end: () => {
        clearTimeout(timer)
        this.legs.delete(leg)
        endDialog(dialog)
        rtp.close()
      },
    }
    const timer = setTimeout(() => {
      this.deps.log.warn({ tenant, probe: probe.id }, 'probe agent leg still up after its time-out: hung up')
      leg.end()
    }, probe.timeoutSeconds * 1000 + MARGIN_MS)
    this.legs.add(leg)
    req.on('cancel', () => leg.end())
    try {
      dialog = await this.deps.srf.createUAS(req, res, { localSdp: probeSdp(this.deps.rtpAddress, rtp.port) })
    } catch (err) {
      leg.end()
      throw err
    }
    if (!this.legs.has(leg)) return endDialog(dialog)
    dialog.on('destroy', () => leg.end())
    dialog.on('modify', (r: Srf.SrfRequest, s: Srf.SrfResponse) => {
      const moved = remoteAudio(r.body)
      if (moved) rtp.sendTo(moved.host, moved.port)
      s.send(200, { body: probeSdp(this.deps.rtpAddress, rtp.port) })
    })
  }
}
