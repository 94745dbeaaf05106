import type Srf from 'drachtio-srf'
import { randomUUID } from 'node:crypto'
import type { AcdEngine } from '../acd/engine'
import type { Registrar } from '../agents/registrar'
import type { Ddi, Trunk } from '../config/model'
import type { AgentMedia, CallerMedia, MediaGateway } from '../media/gateway'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { TrunkChannels } from '../trunks/channels'
import { bounded, endDialog } from './dialogs'
import { placeOutboundCall, type OutboundResult } from './outbound-call'

export interface CallDeps {
  srf: Srf
  engine: AcdEngine
  registrar: Registrar
  channels: TrunkChannels
  media: MediaGateway | undefined
  log: Logger
  metrics: Metrics
  /** Called once the call has ended everywhere (channel released, engine told). */
  onEnded(call: { tenant: string; id: string }): void
}

/** `callback`: the caller hung up after asking to be called back; the call keeps its place. */
export type Phase = 'queued' | 'callback' | 'connected' | 'voicemail' | 'ended'

/**
 * The legs of a call and their endings: the inbound caller (or a callback's customer), the agent
 * (or an outside transfer target), the trunk channels each holds and their media. Whichever side
 * ends, every leg is ended, every channel released and the engine told, once.
 */
export abstract class CallLegs {
  readonly id = randomUUID()
  readonly tenant: string
  queue: string
  protected phase: Phase = 'queued'
  protected caller?: CallerMedia
  protected callerDialog?: Srf.Dialog
  protected agentDialog?: Srf.Dialog
  protected agentMedia?: AgentMedia
  protected agent?: string
  protected readonly log: Logger
  answering = false
  protected outboundTrunk?: Trunk
  /** The number a callback goes to, once the caller asked for one. */
  protected callbackNumber?: string
  /** The inbound leg's channel, media and gauge were given back (callback, or the end). */
  private inboundReleased = false
  /** Cancels the outbound call (a callback's customer) while it rings. */
  private cancelCustomer?: () => void
  /** Outbound channel held by a remote agent's leg. */
  protected agentTrunk?: { trunk: Trunk; key: string }

  constructor(
    protected readonly deps: CallDeps,
    protected readonly req: Srf.SrfRequest,
    protected readonly res: Srf.SrfResponse,
    readonly trunk: Trunk,
    readonly ddi: Ddi,
  ) {
    this.tenant = ddi.tenant
    this.queue = ddi.entry.kind === 'queue' ? ddi.entry.queue : ''
    this.log = deps.log.child({ tenant: this.tenant, call: this.id, trunk: trunk.id, ddi: ddi.number, sipCallId: req.get('Call-ID') })
  }

  get ended(): boolean {
    return this.phase === 'ended'
  }

  /** Stops what runs for the waiting caller (announcements, offers, rings): the call is ending. */
  protected abstract stopWaiting(): void

  /** Ends the agent's leg (or a transfer target's) and gives back its channel and media. */
  protected async dropAgentLeg(): Promise<void> {
    const dialog = this.agentDialog
    this.agentDialog = undefined
    endDialog(dialog)
    if (this.agentTrunk) await this.deps.channels.release(this.agentTrunk.trunk, 'out', this.agentTrunk.key).catch(() => undefined)
    this.agentTrunk = undefined
    await this.agentMedia?.release()
    this.agentMedia = undefined
    this.agent = undefined
  }

  /** Gives back what the inbound leg holds: the caller's dialog, media, trunk channel and gauge. */
  protected async releaseInbound(): Promise<void> {
    if (this.inboundReleased) return
    const dialog = this.callerDialog
    const caller = this.caller
    this.callerDialog = undefined
    this.caller = undefined
    endDialog(dialog)
    await this.releaseInboundChannel()
    await bounded(Promise.all([caller?.release()]), 5000)
  }

  /** The inbound trunk channel and the active-calls gauge, given back once whichever way the call goes. */
  private async releaseInboundChannel(): Promise<void> {
    if (this.inboundReleased) return
    this.inboundReleased = true
    await this.deps.channels.release(this.trunk, 'in', this.id).catch((err) => this.log.error({ err }, 'trunk channel release failed'))
    this.deps.metrics.activeCalls.dec({ tenant: this.tenant })
  }

  /** The outbound trunk channel of the call's outbound leg (transfer target, callback customer). */
  protected async releaseOutboundChannel(): Promise<void> {
    const trunk = this.outboundTrunk
    this.outboundTrunk = undefined
    if (trunk) await this.deps.channels.release(trunk, 'out', this.id).catch((err) => this.log.error({ err }, 'trunk channel release failed'))
  }

  /** Connects the caller to an outside number through the tenant's outbound trunk. */
  protected async dialOut(number: string): Promise<void> {
    const r = await this.placeOutbound(number, 60)
    if (!r.ok) {
      this.log.info({ number, outcome: r.outcome, status: r.status }, 'transfer target not reached')
      return this.endCall(r.outcome === 'no-channel' ? 'outbound-channels-full' : 'transfer-failed')
    }
    const { dialog, media } = r.leg
    this.agentDialog = dialog
    this.agentMedia = media
    dialog.on('destroy', () => {
      if (dialog === this.agentDialog) void this.agentGone()
    })
    if (media && this.caller) await this.caller.bridge(media)
    else if (this.callerDialog) await this.callerDialog.modify(dialog.remote.sdp)
  }

  /** The call's outbound leg (transfer target, callback customer), holding a channel under the call id. */
  protected async placeOutbound(number: string, ringSeconds: number, headers?: Record<string, string>): Promise<OutboundResult> {
    const r = await placeOutboundCall(this.deps, {
      tenant: this.deps.engine.platform.tenants.get(this.tenant)!,
      number,
      from: this.ddi.number,
      channelKey: this.id,
      ringSeconds,
      sdp: this.callerDialog?.remote.sdp ?? this.req.body,
      headers,
      cancelled: () => this.ended,
      onCancel: (cancel) => (this.cancelCustomer = cancel),
    })
    this.cancelCustomer = undefined
    if (r.ok) this.outboundTrunk = r.leg.trunk
    if (r.ok && this.ended) {
      // the call ended as the far end answered: finish() could not see this leg
      endDialog(r.leg.dialog)
      await r.leg.media?.release()
      await this.deps.channels.release(r.leg.trunk, 'out', this.id).catch(() => undefined)
      return { ok: false, outcome: 'cancelled' }
    }
    return r
  }

  protected async callerGone(how: 'bye' | 'cancel'): Promise<void> {
    if (this.ended) return
    if (this.phase === 'callback') return this.releaseInbound()
    this.log.info({ how, phase: this.phase }, 'caller hung up')
    await this.finish('caller')
  }

  protected async agentGone(): Promise<void> {
    if (this.ended) return
    if (this.callbackNumber && !this.caller && this.phase === 'connected') {
      // the agent of a callback hung up before the customer answered: this attempt fails
      this.log.info({ agent: this.agent }, 'agent hung up while the customer was being called')
      this.agentDialog = undefined
      this.cancelCustomer?.()
      return
    }
    this.log.info({ agent: this.agent }, 'agent hung up')
    await this.finish('agent')
  }

  /** Ends the call from the service side: final response or BYE to the caller. */
  async endCall(reason: string, status = 480, _overflowed = false): Promise<void> {
    if (this.ended) return
    this.log.info({ reason }, 'service ends the call')
    await this.finish('system', status)
  }

  protected async finish(by: 'caller' | 'agent' | 'system', status = 480): Promise<void> {
    if (this.ended) return
    const wasConnected = this.phase === 'connected'
    this.phase = 'ended'
    this.stopWaiting()
    // an outbound call still ringing (transfer target, callback customer) is given up
    this.cancelCustomer?.()
    if (by !== 'caller') {
      if (this.callerDialog) endDialog(this.callerDialog)
      else if (!this.res.finalResponseSent) this.res.send(status)
    }
    if (by !== 'agent') endDialog(this.agentDialog)
    try {
      await this.deps.engine.hangup(this.tenant, this.id, by)
    } catch (err) {
      this.log.error({ err }, 'engine could not record the end of the call')
    }
    await this.releaseInboundChannel()
    await this.releaseOutboundChannel()
    if (this.agentTrunk) await this.deps.channels.release(this.agentTrunk.trunk, 'out', this.agentTrunk.key).catch((err) => this.log.error({ err }, 'trunk channel release failed'))
    this.log.info({ by, connected: wasConnected, agent: this.agent }, 'call ended')
    this.deps.onEnded(this)
    // Media last, and bounded: a media server that never confirms must not hold the call open.
    const released = await bounded(Promise.all([this.caller?.release(), this.agentMedia?.release()]), 5000)
    if (!released) this.log.warn('media server did not confirm the release of the call\'s channels in 5 s')
  }
}
