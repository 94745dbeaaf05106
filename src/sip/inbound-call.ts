import { randomUUID } from 'node:crypto'
import type Srf from 'drachtio-srf'
import type { AcdEngine } from '../acd/engine'
import { AcdError, type Notice } from '../acd/types'
import type { Registrar } from '../agents/registrar'
import type { Ddi, Trunk } from '../config/model'
import type { AgentMedia, CallerMedia, MediaGateway } from '../media/gateway'
import { holdMusicFor, resolvePrompt, ringbackTone } from '../media/prompts'
import { callableNumber } from '../routing/number-policy'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { TrunkChannels } from '../trunks/channels'
import { uriUser } from './sdp'
import { runCallerMenu, takeVoicemail, WaitingRoom, type CallerContext } from './caller-services'
import { bounded, endDialog } from './dialogs'
import { agentContact, relayModify } from './outbound-legs'
import { placeOutboundCall, type OutboundResult } from './outbound-call'
import { transferTarget } from './transfer'

export interface CallDeps {
  srf: Srf
  engine: AcdEngine
  registrar: Registrar
  channels: TrunkChannels
  media: MediaGateway | undefined
  log: Logger
  metrics: Metrics
  /** Called once the call has ended everywhere (channel released, engine told). */
  onEnded(call: InboundCall): void
}

/** `callback`: the caller hung up after asking to be called back; the call keeps its place. */
type Phase = 'queued' | 'callback' | 'connected' | 'voicemail' | 'ended'

interface Ringing {
  agent: string
  /** Set when a remote agent is rung through the tenant's outbound trunk. */
  outboundTrunk?: Trunk
  attempt: number
  request?: Srf.SrfRequest
  media?: AgentMedia
  cancelled: boolean
}

/**
 * One inbound call from a trunk: answered into hold music (or kept ringing when there is no media
 * server), queued in the ACD, offered to agents, bridged to the one who answers, and ended on every
 * side whichever side ends it. Every ending releases the trunk channel and tells the engine.
 */
export class InboundCall {
  readonly id = randomUUID()
  readonly tenant: string
  queue: string
  private phase: Phase = 'queued'
  private caller?: CallerMedia
  private callerDialog?: Srf.Dialog
  private agentDialog?: Srf.Dialog
  private agentMedia?: AgentMedia
  private agent?: string
  private readonly ringing = new Map<string, Ringing>()
  private readonly log: Logger
  private answering = false
  private waitingRoom?: WaitingRoom
  private outboundTrunk?: Trunk
  /** The number a callback goes to, once the caller asked for one. */
  private callbackNumber?: string
  /** The inbound leg's channel, media and gauge were given back (callback, or the end). */
  private inboundReleased = false
  /** Cancels the call to a callback's customer while it rings. */
  private cancelCustomer?: () => void
  /** Outbound channel held by a remote agent's leg. */
  private agentTrunk?: { trunk: Trunk; key: string }

  constructor(
    private readonly deps: CallDeps,
    private readonly req: Srf.SrfRequest,
    private readonly res: Srf.SrfResponse,
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

  /** Takes a trunk channel, answers or rings, and queues the call. Returns false if refused. */
  async start(): Promise<void> {
    const { channels, engine, media, metrics } = this.deps
    if (!(await channels.acquire(this.trunk, 'in', this.id))) {
      this.log.warn('trunk inbound channels full: 503')
      metrics.callsRejected.inc({ tenant: this.tenant, reason: 'channels-full' })
      this.res.send(503, { headers: { 'Retry-After': '10' } })
      this.phase = 'ended'
      return
    }
    metrics.activeCalls.inc({ tenant: this.tenant })
    this.req.on('cancel', () => void this.callerGone('cancel'))
    try {
      if (media) {
        this.caller = await media.answerCaller(this.req, this.res)
        this.callerDialog = this.caller.dialog
        this.callerDialog.on('destroy', () => void this.callerGone('bye'))
        const caller = this.caller
        this.callerDialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
          caller.reoffer(req.body).then((sdp) => res.send(200, { body: sdp }), () => res.send(488))
        })
        if (this.ended) return
      } else if (this.ddi.entry.kind === 'ivr') {
        this.log.warn({ ivr: this.ddi.entry.ivr }, 'an IVR needs a media server: none is configured')
        return this.endCall('no-media-for-ivr', 480)
      } else {
        this.res.send(180)
      }
      const attributes: Record<string, string> = { ddi: this.ddi.number, trunk: this.trunk.id }
      let priority: number | undefined
      if (this.ddi.entry.kind === 'ivr' && this.caller) {
        const outcome = await runCallerMenu(this.callerContext(), this.ddi.entry.ivr)
        if (!outcome || this.ended) return
        Object.assign(attributes, outcome.attributes)
        if (outcome.kind === 'voicemail') return this.voicemail('ivr', outcome.attributes)
        if (outcome.kind !== 'queue') {
          this.log.info({ outcome: outcome.kind, ivr: outcome.attributes['ivr'] }, 'IVR ends the call')
          return this.endCall(`ivr-${outcome.kind}`)
        }
        this.queue = outcome.queue
        priority = outcome.priority
      }
      if (this.caller) {
        this.resumeHold()
        this.openWaitingRoom()
      }
      const r = await engine.enqueue({
        tenant: this.tenant,
        queue: this.queue,
        callId: this.id,
        caller: this.req.callingNumber || this.req.get('From'),
        attributes,
        priority,
      })
      this.log.info({ queue: this.queue, state: r.state, position: r.position }, 'inbound call queued')
      if (r.state === 'full') {
        const q = this.deps.engine.platform.tenants.get(this.tenant)?.queues.find((x) => x.id === this.queue)
        if (q?.overflow.kind === 'voicemail' && this.caller) await this.voicemail('queue-full', attributes)
        else await this.endCall('queue-full', 486)
      }
    } catch (err) {
      this.log.error({ err }, 'inbound call setup failed')
      await this.endCall('setup-failed', 500)
    }
  }

  /** The services for the answered caller (IVR, announcements, voicemail) see the call through this. */
  private callerContext(): CallerContext {
    return {
      engine: this.deps.engine,
      tenant: this.deps.engine.platform.tenants.get(this.tenant)!,
      callId: this.id,
      caller: this.caller!,
      log: this.log,
      queue: () => this.queue,
      waiting: () => this.phase === 'queued' && !this.answering,
      ended: () => this.ended,
      resumeHold: () => this.resumeHold(),
    }
  }

  private queueConfig() {
    return this.deps.engine.platform.tenants.get(this.tenant)?.queues.find((x) => x.id === this.queue)
  }

  private resumeHold(): void {
    const tenant = this.deps.engine.platform.tenants.get(this.tenant)!
    this.caller?.hold(holdMusicFor(tenant, this.queueConfig()?.holdMusic, this.deps.engine.platform.settings.defaultRegion))
  }

  /** Announcements and the callback offer of the current queue while the caller waits. */
  private openWaitingRoom(): void {
    this.waitingRoom?.stop()
    const q = this.queueConfig()
    if (!q || !this.caller) return
    let callback: ConstructorParameters<typeof WaitingRoom>[2]
    if (q.callback) {
      const callable = callableNumber(this.deps.engine.platform, this.tenant, this.req.callingNumber)
      if (callable.ok) callback = { offer: q.callback, accept: () => this.acceptCallback(callable.number) }
      else this.log.info({ reason: callable.reason }, 'no callback offer: the caller cannot be called back')
    }
    if (q.announceSeconds === 0 && !callback) return
    this.waitingRoom = new WaitingRoom(this.callerContext(), q.announceSeconds, callback)
    this.waitingRoom.start()
  }

  /** The caller pressed the callback key: the call keeps its place, the caller is thanked and let go. */
  private async acceptCallback(number: string): Promise<boolean> {
    try {
      await this.deps.engine.requestCallback(this.tenant, this.id, number)
    } catch (err) {
      this.log.info({ err: (err as Error).message }, 'callback not taken')
      return false
    }
    this.callbackNumber = number
    this.phase = 'callback'
    this.log.info({ number }, 'callback requested: the caller keeps their place and hangs up')
    const confirm = this.queueConfig()?.callback?.confirmPrompt ?? 'callback-confirmed'
    await this.caller?.play(resolvePrompt(this.deps.engine.platform.tenants.get(this.tenant)!, confirm)).catch(() => undefined)
    await this.releaseInbound()
    return true
  }

  /** Gives back what the inbound leg holds: the caller's dialog, media, trunk channel and gauge. */
  private async releaseInbound(): Promise<void> {
    if (this.inboundReleased) return
    this.inboundReleased = true
    const dialog = this.callerDialog
    const caller = this.caller
    this.callerDialog = undefined
    this.caller = undefined
    endDialog(dialog)
    await this.deps.channels.release(this.trunk, 'in', this.id).catch((err) => this.log.error({ err }, 'trunk channel release failed'))
    this.deps.metrics.activeCalls.dec({ tenant: this.tenant })
    await bounded(Promise.all([caller?.release()]), 5000)
  }

  private async voicemail(reason: string, attributes: Record<string, string>): Promise<void> {
    if (!this.caller || this.ended) return this.endCall(reason)
    this.waitingRoom?.stop()
    this.phase = 'voicemail'
    await takeVoicemail(this.callerContext(), reason, attributes, this.req.callingNumber ?? '')
    await this.endCall(reason)
  }

  /** Offers, withdrawals and overflows for this call from the engine. */
  async notice(n: Notice): Promise<void> {
    if (this.ended) return
    if (n.type === 'offer') {
      for (const agent of n.agents) void this.ringAgent(agent, n.attempt)
    } else if (n.type === 'withdraw') {
      const ring = this.ringing.get(n.agent)
      if (ring) this.cancelRing(ring)
    } else if (n.type === 'overflow') {
      if (n.target.startsWith('queue:')) {
        this.queue = n.target.slice('queue:'.length)
        this.log.info({ queue: this.queue, reason: n.reason }, 'call overflows to another queue of the tenant')
        await this.deps.engine.enqueue({ tenant: this.tenant, queue: this.queue, callId: this.id, keepPlace: { seq: n.seq, enqueuedAt: n.enqueuedAt }, priority: n.priority })
        this.openWaitingRoom()
      } else if (n.reason === 'callback-expired') {
        this.deps.metrics.callbacks.inc({ tenant: this.tenant, queue: n.queue, outcome: 'expired' })
        this.log.warn({ number: this.callbackNumber }, 'callback expired before an agent could make it')
        await this.endCall('callback-expired')
      } else if (n.target === 'voicemail' && this.caller) {
        await this.voicemail(`overflow-${n.reason}`, {})
      } else {
        this.log.info({ target: n.target, reason: n.reason }, 'call overflows out of the queue')
        await this.endCall(`overflow-${n.reason}`, 480, true)
      }
    }
  }

  private async ringAgent(agent: string, attempt: number): Promise<void> {
    const { registrar, channels, srf, media, engine } = this.deps
    const ring: Ringing = { agent, attempt, cancelled: false }
    this.ringing.set(agent, ring)
    const target = await agentContact({ registrar, channels, config: engine.platform }, this.tenant, agent, `${this.id}:${agent}`)
    const contact = target?.contact
    ring.outboundTrunk = target?.trunk
    if (!contact) {
      this.forget(ring)
      this.log.warn({ agent }, 'agent has no registered phone and no reachable external number')
      await engine.noAnswer(this.tenant, this.id, agent, 'unreachable').catch(() => undefined)
      return
    }
    try {
      if (media) ring.media = await media.agentLeg()
      if (ring.cancelled || this.ended) throw new Error('cancelled')
      const dialog = await srf.createUAC(
        contact,
        {
          localSdp: ring.media ? ring.media.offer : this.req.body,
          headers: {
            From: `<sip:${this.req.callingNumber || 'anonymous'}@${this.deps.engine.platform.tenants.get(this.tenant)!.sipDomain}>`,
            'X-ACD-Tenant': this.tenant,
            'X-ACD-Queue': this.queue,
            ...(this.callbackNumber ? { 'X-ACD-Callback': this.callbackNumber } : {}),
          },
        },
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
      if (ring.cancelled || this.ended || this.answering) {
        endDialog(dialog)
        throw new Error('cancelled')
      }
      this.answering = true
      await this.agentAnswered(ring, dialog)
    } catch (err) {
      this.forget(ring)
      await ring.media?.release()
      if (ring.outboundTrunk) await this.deps.channels.release(ring.outboundTrunk, 'out', `${this.id}:${agent}`).catch(() => undefined)
      const status = (err as { status?: number }).status
      if (ring.cancelled || this.ended || (err as Error).message === 'cancelled' || status === 487) return
      const reason = status === 486 || status === 600 ? 'busy' : status === 603 ? 'declined' : status === 408 || status === 480 ? 'ring-timeout' : 'unreachable'
      this.log.info({ agent, status, reason }, 'agent did not take the call')
      await engine.noAnswer(this.tenant, this.id, agent, reason).catch((e) => this.log.debug({ err: e }, 'offer already gone'))
    }
  }

  private async agentAnswered(ring: Ringing, dialog: Srf.Dialog): Promise<void> {
    const { engine } = this.deps
    try {
      await engine.answer(this.tenant, this.id, ring.agent)
    } catch (err) {
      this.answering = false
      if (err instanceof AcdError) {
        this.log.info({ agent: ring.agent, code: err.code }, 'agent answered an offer that was withdrawn')
        endDialog(dialog)
        throw new Error('cancelled')
      }
      throw err
    }
    this.forget(ring)
    for (const other of [...this.ringing.values()]) this.cancelRing(other)
    this.waitingRoom?.stop()
    if (ring.outboundTrunk) this.agentTrunk = { trunk: ring.outboundTrunk, key: `${this.id}:${ring.agent}` }
    this.phase = 'connected'
    this.agent = ring.agent
    this.agentDialog = dialog
    this.agentMedia = ring.media
    dialog.on('destroy', () => {
      if (dialog === this.agentDialog) void this.agentGone()
    })
    dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => void this.onRefer(dialog, req, res).catch((err) => this.log.error({ err }, 'transfer failed')))
    if (this.callbackNumber && this.agentMedia) {
      const agentMedia = this.agentMedia
      dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
        agentMedia.reoffer(req.body).then((sdp) => res.send(200, { body: sdp }), () => res.send(488))
      })
      await this.agentMedia.answered(dialog.remote.sdp)
      return this.callCustomer().catch((err: unknown) => {
        this.log.error({ err }, 'callback failed')
        return this.endCall('callback-error')
      })
    }
    if (this.agentMedia && this.caller) {
      const agentMedia = this.agentMedia
      dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
        agentMedia.reoffer(req.body).then((sdp) => res.send(200, { body: sdp }), () => res.send(488))
      })
      await this.agentMedia.answered(dialog.remote.sdp)
      await this.caller.bridge(this.agentMedia)
    } else if (this.callerDialog) {
      // back from a transfer to a queue: point the caller's media at the new agent
      await this.callerDialog.modify(dialog.remote.sdp)
      relayModify(dialog, this.callerDialog)
    } else {
      this.callerDialog = await this.deps.srf.createUAS(this.req, this.res, { localSdp: dialog.remote.sdp })
      this.callerDialog.on('destroy', () => void this.callerGone('bye'))
      relayModify(dialog, this.callerDialog)
      relayModify(this.callerDialog, dialog)
    }
    if (this.ended) {
      // the caller hung up while the agent was being bridged: finish() has ended both legs
      endDialog(dialog)
      await bounded(Promise.all([this.agentMedia?.release()]), 5000)
      return
    }
    this.log.info({ agent: ring.agent }, 'caller and agent connected')
  }

  /** Blind transfer by the connected agent: to a queue of the tenant, or an allowed number. */
  private async onRefer(from: Srf.Dialog, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    if (from !== this.agentDialog || this.phase !== 'connected') return void res.send(481)
    const target = transferTarget(this.deps.engine.platform, this.tenant, uriUser(req.get('Refer-To')))
    if (target.kind === 'refused') {
      this.log.warn({ agent: this.agent, referTo: req.get('Refer-To'), reason: target.reason }, 'transfer refused')
      return void res.send(target.status, { headers: { 'X-Reason': target.reason } })
    }
    res.send(202)
    await from
      .request({
        method: 'NOTIFY',
        headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag;version=2.0' },
        body: 'SIP/2.0 200 OK\r\n',
      } as unknown as Srf.SrfRequest)
      .catch(() => undefined)
    this.log.info({ agent: this.agent, target }, 'blind transfer')
    await this.deps.engine.complete(this.tenant, this.id, 'agent')
    this.agentDialog = undefined
    endDialog(from)
    if (this.agentTrunk) {
      await this.deps.channels.release(this.agentTrunk.trunk, 'out', this.agentTrunk.key).catch(() => undefined)
      this.agentTrunk = undefined
    }
    await this.agentMedia?.release()
    this.agentMedia = undefined
    this.agent = undefined
    if (target.kind === 'queue') {
      this.phase = 'queued'
      this.answering = false
      this.queue = target.queue
      this.resumeHold()
      await this.deps.engine.enqueue({ tenant: this.tenant, queue: this.queue, callId: this.id, caller: this.req.callingNumber, attributes: { ddi: this.ddi.number, transferred: 'true' } })
      this.openWaitingRoom()
      return
    }
    await this.dialOut(target.number)
  }

  /** Connects the caller to an outside number through the tenant's outbound trunk. */
  private async dialOut(number: string): Promise<void> {
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
  private async placeOutbound(number: string, ringSeconds: number, headers?: Record<string, string>): Promise<OutboundResult> {
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
      endDialog(r.leg.dialog)
      await r.leg.media?.release()
      return { ok: false, outcome: 'cancelled' }
    }
    return r
  }

  /**
   * A callback's agent answered: the customer is called on the tenant's outbound trunk while the
   * agent hears ringback, then bridged to the agent. A failed attempt frees the agent; the engine
   * retries the callback per the queue's policy, or gives it up and reports it.
   */
  private async callCustomer(): Promise<void> {
    const offer = this.queueConfig()?.callback
    const number = this.callbackNumber!
    this.agentMedia?.play(ringbackTone(this.deps.engine.platform.settings.defaultRegion))
    this.log.info({ number, agent: this.agent }, 'calling the customer back')
    const r = await this.placeOutbound(number, offer?.ringSeconds ?? 30, { 'X-ACD-Callback': this.id })
    if (this.ended) return
    if (r.ok && this.agentDialog) {
      const { dialog, media } = r.leg
      await this.deps.engine.callbackResult(this.tenant, this.queue, this.id, 'connected')
      this.callerDialog = dialog
      dialog.on('destroy', () => void this.callerGone('bye'))
      if (media && this.deps.media && this.agentMedia) {
        this.caller = this.deps.media.asCaller(media, dialog)
        const caller = this.caller
        dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
          caller.reoffer(req.body).then((sdp) => res.send(200, { body: sdp }), () => res.send(488))
        })
        await this.caller.bridge(this.agentMedia)
      }
      this.callbackNumber = undefined
      this.log.info({ number, agent: this.agent }, 'callback connected: customer and agent bridged')
      return
    }
    if (r.ok) {
      // the agent hung up as the customer answered
      endDialog(r.leg.dialog)
      await r.leg.media?.release()
    }
    const agentLeft = !this.agentDialog
    const outcome = !agentLeft && !r.ok && (r.outcome === 'busy' || r.outcome === 'no-answer') ? r.outcome : 'failed'
    this.log.info({ number, outcome, agentLeft, status: r.ok ? undefined : r.status }, 'callback attempt failed')
    if (this.outboundTrunk) await this.deps.channels.release(this.outboundTrunk, 'out', this.id).catch(() => undefined)
    this.outboundTrunk = undefined
    const agentDialog = this.agentDialog
    this.agentDialog = undefined
    endDialog(agentDialog)
    await this.agentMedia?.release()
    this.agentMedia = undefined
    if (this.agentTrunk) await this.deps.channels.release(this.agentTrunk.trunk, 'out', this.agentTrunk.key).catch(() => undefined)
    this.agentTrunk = undefined
    this.agent = undefined
    this.phase = 'callback'
    this.answering = false
    const result = await this.deps.engine.callbackResult(this.tenant, this.queue, this.id, outcome).catch((err: unknown) => {
      this.log.error({ err }, 'callback attempt could not be recorded')
      return { state: 'failed' as const, attempt: 0 }
    })
    if (result.state === 'failed') {
      this.log.warn({ number, attempts: result.attempt }, 'callback given up after its last attempt')
      await this.endCall('callback-failed')
    }
  }

  /** Drops a ring from the table unless a newer ring to the same agent replaced it. */
  private forget(ring: Ringing): void {
    if (this.ringing.get(ring.agent) === ring) this.ringing.delete(ring.agent)
  }

  private cancelRing(ring: Ringing): void {
    ring.cancelled = true
    this.forget(ring)
    this.log.debug({ agent: ring.agent, sent: Boolean(ring.request) }, 'cancelling the ring to an agent')
    try {
      ring.request?.cancel(() => undefined)
    } catch (err) {
      this.log.debug({ err }, 'ring already ended')
    }
  }

  private async callerGone(how: 'bye' | 'cancel'): Promise<void> {
    if (this.ended) return
    if (this.phase === 'callback') return this.releaseInbound()
    this.log.info({ how, phase: this.phase }, 'caller hung up')
    await this.finish('caller')
  }

  private async agentGone(): Promise<void> {
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

  private async finish(by: 'caller' | 'agent' | 'system', status = 480): Promise<void> {
    if (this.ended) return
    const wasConnected = this.phase === 'connected'
    this.phase = 'ended'
    this.waitingRoom?.stop()
    for (const r of [...this.ringing.values()]) this.cancelRing(r)
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
    const releaseFailed = (err: unknown) => this.log.error({ err }, 'trunk channel release failed')
    if (!this.inboundReleased) {
      this.inboundReleased = true
      await this.deps.channels.release(this.trunk, 'in', this.id).catch(releaseFailed)
      this.deps.metrics.activeCalls.dec({ tenant: this.tenant })
    }
    if (this.outboundTrunk) await this.deps.channels.release(this.outboundTrunk, 'out', this.id).catch(releaseFailed)
    if (this.agentTrunk) await this.deps.channels.release(this.agentTrunk.trunk, 'out', this.agentTrunk.key).catch(releaseFailed)
    this.log.info({ by, connected: wasConnected, agent: this.agent }, 'call ended')
    this.deps.onEnded(this)
    // Media last, and bounded: a media server that never confirms must not hold the call open.
    const released = await bounded(Promise.all([this.caller?.release(), this.agentMedia?.release()]), 5000)
    if (!released) this.log.warn('media server did not confirm the release of the call\'s channels in 5 s')
  }
}
