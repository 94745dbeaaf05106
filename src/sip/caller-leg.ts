import type Srf from 'drachtio-srf'
import type { AgentLeg, CallerLeg, Gone } from '../call/ports'
import type { Trunk } from '../config/model'
import type { CallerMedia, MediaGateway } from '../media/gateway'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { TrunkChannels } from '../trunks/channels'
import { bounded, endDialog } from './dialogs'
import { relayModify } from './outbound-legs'
import { isSipLeg } from './party-leg'

export interface CallerLegDeps {
  srf: Srf
  channels: TrunkChannels
  media: MediaGateway | undefined
  metrics: Metrics
  log: Logger
}

/**
 * The caller of an inbound trunk call: its INVITE, the trunk channel it holds, and once answered
 * its dialog and media-server endpoint (without a media server it rings until an agent answers,
 * and the two SDPs are relayed).
 */
export class InboundCallerLeg implements CallerLeg {
  private dialog?: Srf.Dialog
  private callerMedia?: CallerMedia
  private channelHeld = false
  private released = false
  private gone = false
  private readonly goneHandlers: Array<(how: Gone) => void> = []

  constructor(
    private readonly deps: CallerLegDeps,
    private readonly req: Srf.SrfRequest,
    private readonly res: Srf.SrfResponse,
    readonly trunk: Trunk,
    private readonly channelKey: string,
    private readonly tenant: string,
  ) {
    req.on('cancel', () => this.farEndGone('cancel'))
  }

  get number(): string | undefined {
    return this.req.callingNumber || undefined
  }

  get media(): CallerMedia | undefined {
    return this.callerMedia
  }

  onGone(fn: (how: Gone) => void): void {
    this.goneHandlers.push(fn)
  }

  /** Takes a channel of the trunk; false when the cap is reached. */
  async takeChannel(): Promise<boolean> {
    if (!(await this.deps.channels.acquire(this.trunk, 'in', this.channelKey))) return false
    this.channelHeld = true
    this.deps.metrics.activeCalls.inc({ tenant: this.tenant })
    return true
  }

  /** Turns the call away before anything was taken. */
  refuse(status: number, headers: Record<string, string>): void {
    this.released = true
    this.res.send(status, { headers })
  }

  /** Answers into the media server (hold music from then on), or rings without one. */
  async answer(): Promise<void> {
    const { media } = this.deps
    if (!media) return void this.res.send(180)
    const caller = await media.answerCaller(this.req, this.res)
    if (this.released) {
      // the call ended while it was being answered: nothing may stay on the media server
      endDialog(caller.dialog)
      await caller.release()
      throw new Error('the call ended while the caller was being answered')
    }
    this.callerMedia = caller
    this.watch(caller.dialog)
    caller.dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      caller.reoffer(req.body).then((sdp) => res.send(200, { body: sdp }), () => res.send(488))
    })
  }

  private watch(dialog: Srf.Dialog): void {
    this.dialog = dialog
    dialog.on('destroy', () => this.farEndGone('bye'))
  }

  private farEndGone(how: Gone): void {
    if (this.gone) return
    this.gone = true
    for (const fn of this.goneHandlers.splice(0)) fn(how)
  }

  async connect(agent: AgentLeg): Promise<void> {
    if (!isSipLeg(agent)) throw new Error('not a SIP leg')
    if (this.callerMedia && agent.partyMedia) return this.callerMedia.bridge(agent.partyMedia)
    if (!agent.dialog) return
    if (this.dialog) {
      // no media server, back from a transfer to a queue: point the caller's media at the new party
      await this.dialog.modify(agent.dialog.remote.sdp)
      relayModify(agent.dialog, this.dialog)
      return
    }
    this.watch(await this.deps.srf.createUAS(this.req, this.res, { localSdp: agent.dialog.remote.sdp }))
    relayModify(agent.dialog, this.dialog!)
    relayModify(this.dialog!, agent.dialog)
  }

  hangup(status: number): void {
    this.gone = true
    if (this.dialog) endDialog(this.dialog)
    else if (!this.res.finalResponseSent) this.res.send(status)
  }

  /** The trunk channel and the active-calls gauge first, then the media (bounded). */
  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    if (this.channelHeld) {
      await this.deps.channels.release(this.trunk, 'in', this.channelKey).catch((err) => this.deps.log.error({ err }, 'trunk channel release failed'))
      this.deps.metrics.activeCalls.dec({ tenant: this.tenant })
    }
    const ok = await bounded(Promise.all([this.callerMedia?.release()]), 5000)
    if (!ok) this.deps.log.warn("media server did not confirm the release of the caller's channel in 5 s")
  }
}
