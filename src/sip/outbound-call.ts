import type Srf from 'drachtio-srf'
import type { OutsideDialer, OutsideResult } from '../call/ports'
import { attemptOutcome } from '../call/refusals'
import type { Timers } from '../call/timers'
import type { Tenant } from '../config/model'
import type { AgentMedia, MediaGateway } from '../media/gateway'
import type { Logger } from '../telemetry/logger'
import type { TrunkChannels } from '../trunks/channels'
import { endDialog, inviteCanceller } from './dialogs'
import { acquireOutbound } from './outbound-legs'
import { PartyLeg } from './party-leg'

export interface OutsideDialerDeps {
  srf: Srf
  channels: TrunkChannels
  media: MediaGateway | undefined
  timers: Timers
  log: Logger
}

/**
 * Calls numbers on the tenant's outbound trunks: takes a trunk channel (the cap is shared with
 * inbound), offers a media-server endpoint (or, without media, `sdp`), rings at most
 * `ringSeconds`. On every failure the channel and the endpoint are released; an answered leg holds
 * both until it is released. Transfers, callbacks and campaigns all go out this way.
 */
export class SipOutsideDialer implements OutsideDialer {
  constructor(
    private readonly deps: OutsideDialerDeps,
    /** the call's id for the channel key, and the SDP to offer without a media server */
    private readonly leg: { key: string; sdp: () => string | undefined },
  ) {}

  async call(req: Parameters<OutsideDialer['call']>[0]): Promise<OutsideResult> {
    const { channels, srf, timers } = this.deps
    const trunk = await acquireOutbound(channels, req.tenant, this.leg.key)
    if (!trunk) return { ok: false, outcome: 'no-channel' }
    let media: AgentMedia | undefined
    const invite = inviteCanceller()
    const stopTimer = timers.after(req.ringSeconds * 1000, invite.cancel)
    req.onCancel(invite.cancel)
    try {
      media = this.deps.media ? await this.deps.media.agentLeg() : undefined
      if (req.cancelled()) throw Object.assign(new Error('cancelled'), { cancelled: true })
      const dialog = await srf.createUAC(
        `sip:${req.number}@${trunk.outboundProxy}`,
        { localSdp: media ? media.offer : this.leg.sdp(), headers: headersFor(req.tenant, req.from, req.headers) },
        invite.progress,
      )
      stopTimer()
      try {
        if (req.cancelled()) throw Object.assign(new Error('cancelled'), { cancelled: true })
        // an answer the media server cannot use (SRTP, no common codec) fails the attempt
        if (media) await media.answered(dialog.remote.sdp)
      } catch (err) {
        endDialog(dialog)
        throw err
      }
      return { ok: true, leg: new PartyLeg(this.deps, dialog, media, undefined, req.number, { trunk, key: this.leg.key }) }
    } catch (err) {
      stopTimer()
      await media?.release()
      await channels.release(trunk, 'out', this.leg.key).catch(() => undefined)
      const status = (err as { status?: number }).status
      if ((err as { cancelled?: boolean }).cancelled || (req.cancelled() && !invite.cancelled)) return { ok: false, outcome: 'cancelled', status }
      return { ok: false, outcome: attemptOutcome(status, invite.cancelled), status }
    }
  }
}

function headersFor(tenant: Tenant, from: string, extra: Record<string, string> | undefined): Record<string, string> {
  return { From: `<sip:${from}@${tenant.sipDomain}>`, 'X-ACD-Tenant': tenant.id, ...extra }
}
