import type Srf from 'drachtio-srf'
import type { AgentLeg, CallerMedia as FlowCallerMedia, Gone, OutsideLeg } from '../call/ports'
import type { Trunk } from '../config/model'
import type { AgentMedia, CallerMedia, MediaGateway } from '../media/gateway'
import type { Logger } from '../telemetry/logger'
import type { TrunkChannels } from '../trunks/channels'
import { bounded, endDialog } from './dialogs'
import { relayModify } from './outbound-legs'
import { uriUser } from './sdp'

/** What the SIP legs of a call know of each other when they are joined. */
export interface SipLeg {
  readonly dialog: Srf.Dialog | undefined
  readonly partyMedia: AgentMedia | undefined
}

export function isSipLeg(leg: unknown): leg is SipLeg {
  return typeof leg === 'object' && leg !== null && 'partyMedia' in leg
}

/**
 * A leg the platform placed and that answered: an agent's phone, a remote agent or an outside
 * number (the agent side of a call), or a customer called back (the caller side). It holds its
 * dialog, its media-server endpoint and, when it went out on a trunk, that trunk's channel.
 */
export class PartyLeg implements OutsideLeg, SipLeg {
  private released = false
  private leaving = false
  private asCaller?: CallerMedia
  private readonly goneHandlers: Array<(how: Gone) => void> = []

  constructor(
    private readonly deps: { channels: TrunkChannels; media: MediaGateway | undefined; log: Logger },
    readonly dialog: Srf.Dialog,
    readonly partyMedia: AgentMedia | undefined,
    readonly agent: string | undefined,
    readonly number: string | undefined,
    private readonly channel?: { trunk: Trunk; key: string },
  ) {
    dialog.on('destroy', () => {
      if (this.leaving) return
      for (const fn of this.goneHandlers.splice(0)) fn('bye')
    })
    if (partyMedia) {
      dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
        partyMedia.reoffer(req.body).then((sdp) => res.send(200, { body: sdp }), () => res.send(488))
      })
    }
  }

  onGone(fn: (how: Gone) => void): void {
    this.goneHandlers.push(fn)
  }

  onTransfer(fn: (target: string | undefined) => Promise<{ status: number; reason?: string }>): void {
    this.dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      void fn(uriUser(req.get('Refer-To')))
        .then(async ({ status, reason }) => {
          if (status !== 202) return void res.send(status, { headers: reason ? { 'X-Reason': reason } : {} })
          // accepted: the phone hangs up once told; that BYE ends this leg only
          this.leaving = true
          res.send(202)
          await this.dialog
            .request({
              method: 'NOTIFY',
              headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag;version=2.0' },
              body: 'SIP/2.0 200 OK\r\n',
            } as unknown as Srf.SrfRequest)
            .catch(() => undefined)
        })
        .catch((err: unknown) => {
          this.deps.log.error({ err }, 'transfer request failed')
          if (!res.finalResponseSent) res.send(500)
        })
    })
  }

  /** As the caller side (a customer called back): its media, from the same endpoint. */
  get media(): FlowCallerMedia | undefined {
    if (!this.partyMedia || !this.deps.media) return undefined
    this.asCaller ??= this.deps.media.asCaller(this.partyMedia, this.dialog)
    return this.asCaller
  }

  /** As the caller side: joined to the agent's leg. */
  async connect(agent: AgentLeg): Promise<void> {
    if (!isSipLeg(agent)) throw new Error('not a SIP leg')
    const media = this.media as CallerMedia | undefined
    if (media && agent.partyMedia) return media.bridge(agent.partyMedia)
    if (agent.dialog) {
      await this.dialog.modify(agent.dialog.remote.sdp)
      relayModify(agent.dialog, this.dialog)
      relayModify(this.dialog, agent.dialog)
    }
  }

  play(file: string): void {
    this.partyMedia?.play(file)
  }

  hangup(): void {
    this.leaving = true
    endDialog(this.dialog)
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    if (this.channel) await this.deps.channels.release(this.channel.trunk, 'out', this.channel.key).catch((err) => this.deps.log.error({ err }, 'trunk channel release failed'))
    await bounded(Promise.all([this.partyMedia?.release()]), 5000)
  }
}
