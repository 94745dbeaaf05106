import type Srf from 'drachtio-srf'
import type { Tenant, Trunk } from '../config/model'
import type { AgentMedia, MediaGateway } from '../media/gateway'
import type { TrunkChannels } from '../trunks/channels'
import { endDialog } from './dialogs'
import { acquireOutbound } from './outbound-legs'

/** A call placed through one of the tenant's outbound trunks, answered. */
export interface OutboundLeg {
  dialog: Srf.Dialog
  media: AgentMedia | undefined
  trunk: Trunk
  /** The trunk channel is held under this key until released. */
  channelKey: string
}

export type OutboundResult =
  | { ok: true; leg: OutboundLeg }
  | { ok: false; outcome: 'busy' | 'no-answer' | 'failed' | 'no-channel' | 'cancelled'; status?: number }

export interface OutboundDeps {
  srf: Srf
  channels: TrunkChannels
  media: MediaGateway | undefined
}

export interface OutboundRequest {
  tenant: Tenant
  /** E.164, already checked against the tenant's number policy. */
  number: string
  /** Presented as the caller (one of the tenant's DDIs). */
  from: string
  /** Trunk channel key (the call id, or call id and leg). */
  channelKey: string
  /** Give up (CANCEL) after this long without an answer. */
  ringSeconds: number
  /** SDP to offer when there is no media server. */
  sdp?: string
  headers?: Record<string, string>
  /** Asked before and after the INVITE: true when the call was given up meanwhile. */
  cancelled?: () => boolean
  /** Called with a function that cancels the attempt while it rings. */
  onCancel?: (cancel: () => void) => void
}

/**
 * Calls a number on the tenant's outbound trunks: takes a trunk channel (the cap is shared with
 * inbound), offers a media-server endpoint, rings at most `ringSeconds`. On every failure the
 * channel and the endpoint are released; on success the caller owns them (dialog, endpoint, and the
 * channel held under `channelKey`).
 * Transfers, callbacks and campaigns all go out this way.
 */
export async function placeOutboundCall(deps: OutboundDeps, req: OutboundRequest): Promise<OutboundResult> {
  const trunk = await acquireOutbound(deps.channels, req.tenant, req.channelKey)
  if (!trunk) return { ok: false, outcome: 'no-channel' }
  let media: AgentMedia | undefined
  let request: Srf.SrfRequest | undefined
  let gaveUp = false
  const cancel = () => {
    gaveUp = true
    try {
      request?.cancel(() => undefined)
    } catch {
      // the attempt has ended already
    }
  }
  const timer = setTimeout(cancel, req.ringSeconds * 1000)
  req.onCancel?.(() => cancel())
  try {
    media = deps.media ? await deps.media.agentLeg() : undefined
    if (req.cancelled?.()) throw Object.assign(new Error('cancelled'), { cancelled: true })
    const dialog = await deps.srf.createUAC(
      `sip:${req.number}@${trunk.outboundProxy}`,
      {
        localSdp: media ? media.offer : req.sdp,
        headers: { From: `<sip:${req.from}@${req.tenant.sipDomain}>`, 'X-ACD-Tenant': req.tenant.id, ...req.headers },
      },
      {
        // drachtio-srf calls it as (err, request), whatever its type declaration says
        cbRequest: ((_err: unknown, r?: Srf.SrfRequest) => {
          request = r
          if (r && gaveUp) r.cancel(() => undefined)
        }) as unknown as (req: Srf.SrfRequest) => void,
      },
    )
    clearTimeout(timer)
    if (req.cancelled?.()) {
      endDialog(dialog)
      throw Object.assign(new Error('cancelled'), { cancelled: true })
    }
    if (media) {
      try {
        await media.answered(dialog.remote.sdp)
      } catch (err) {
        endDialog(dialog) // an answer the media server cannot use (SRTP, no common codec)
        throw err
      }
    }
    return { ok: true, leg: { dialog, media, trunk, channelKey: req.channelKey } }
  } catch (err) {
    clearTimeout(timer)
    await media?.release()
    await deps.channels.release(trunk, 'out', req.channelKey).catch(() => undefined)
    const status = (err as { status?: number }).status
    if ((err as { cancelled?: boolean }).cancelled || (req.cancelled?.() && !gaveUp)) return { ok: false, outcome: 'cancelled', status }
    return { ok: false, outcome: outcomeOf(status, gaveUp), status }
  }
}

/** What a final response to an outbound INVITE means for retries. */
export function outcomeOf(status: number | undefined, timedOut: boolean): 'busy' | 'no-answer' | 'failed' {
  if (status === 486 || status === 600 || status === 603) return 'busy'
  if (timedOut || status === 408 || status === 480 || status === 487) return 'no-answer'
  return 'failed'
}
