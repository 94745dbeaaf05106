import type Srf from 'drachtio-srf'
import { AcdError, type Notice } from '../acd/types'
import type { Ddi, Trunk } from '../config/model'
import { offerProblem } from '../media/sdp-media'
import { holdMusicFor, resolvePrompt, ringbackTone } from '../media/prompts'
import { callableNumber } from '../routing/number-policy'
import { queueStatus } from '../routing/opening'
import { AgentRinger, type Ring } from './agent-ringer'
import { CallLegs, type CallDeps } from './call-legs'
import { askCallbackNumber, runCallerMenu, takeVoicemail, WaitingRoom, type CallerContext } from './caller-services'
import { bounded, endDialog } from './dialogs'
import { relayModify } from './outbound-legs'
import { uriUser } from './sdp'
import { transferTarget } from './transfer'

export type { CallDeps } from './call-legs'

/**
 * One inbound call from a trunk: answered into hold music (or kept ringing when there is no media
 * server), taken through the DDI's IVR, queued in the ACD, offered to agents and bridged to the
 * one who answers; or, when the caller accepts the callback offer, let go and called back when an
 * agent is reserved. The legs and their endings are CallLegs'.
 */
export class InboundCall extends CallLegs {
  private readonly ringer: AgentRinger
  private waitingRoom?: WaitingRoom

  constructor(deps: CallDeps, req: Srf.SrfRequest, res: Srf.SrfResponse, trunk: Trunk, ddi: Ddi) {
    super(deps, req, res, trunk, ddi)
    this.ringer = new AgentRinger(deps, this, this.log)
  }

  protected stopWaiting(): void {
    this.waitingRoom?.stop()
    this.ringer.cancelAll()
  }

  agentHeaders(): Record<string, string> {
    return {
      From: `<sip:${this.req.callingNumber || 'anonymous'}@${this.deps.engine.platform.tenants.get(this.tenant)!.sipDomain}>`,
      'X-ACD-Tenant': this.tenant,
      'X-ACD-Queue': this.queue,
      ...(this.callbackNumber ? { 'X-ACD-Callback': this.callbackNumber } : {}),
    }
  }

  callerSdp(): string {
    return this.req.body
  }

  /** Takes a trunk channel, answers or rings, and queues the call. Returns false if refused. */
  async start(): Promise<void> {
    const { channels, engine, media, metrics } = this.deps
    const mediaProblem = media ? offerProblem(this.req.body) : undefined
    if (mediaProblem) {
      this.log.warn({ problem: mediaProblem }, "the caller's offer cannot be taken: 488")
      metrics.callsRejected.inc({ tenant: this.tenant, reason: 'media-refused' })
      this.res.send(488, { headers: { Warning: `399 acd "${mediaProblem}"` } })
      this.phase = 'ended'
      return
    }
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
      const q = this.queueConfig()
      const status = q ? queueStatus(q) : undefined
      if (status && !status.open) return this.whenClosed(status.action, attributes)
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

  /** The queue is closed: a message, voicemail or hang-up, recorded in the tenant's history. */
  private async whenClosed(action: 'voicemail' | 'message' | 'hangup', attributes: Record<string, string>): Promise<void> {
    this.log.info({ queue: this.queue, action }, 'queue closed')
    await this.deps.engine.recordEvent(this.tenant, 'closed', { call: this.id, queue: this.queue, action, caller: this.req.callingNumber ?? '' })
    this.deps.metrics.callsRejected.inc({ tenant: this.tenant, reason: 'queue-closed' })
    if (action === 'voicemail' && this.caller) return this.voicemail('closed', attributes)
    if (action === 'message' && this.caller) {
      await this.caller.play(resolvePrompt(this.deps.engine.platform.tenants.get(this.tenant)!, 'closed')).catch(() => undefined)
    }
    return this.endCall('queue-closed', 480)
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
      const offer = q.callback
      const callable = callableNumber(this.deps.engine.platform, this.tenant, this.req.callingNumber)
      if (callable.ok) callback = { offer, accept: () => this.acceptCallback(callable.number) }
      else if (offer.askNumber) {
        callback = {
          offer,
          accept: async () => {
            const number = await askCallbackNumber(this.callerContext(), offer)
            return number !== undefined && this.acceptCallback(number)
          },
        }
      } else this.log.info({ reason: callable.reason }, 'no callback offer: the caller cannot be called back')
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
      for (const agent of n.agents) void this.ringer.ring(agent, n.attempt).catch((err: unknown) => this.log.error({ err, agent }, 'ringing the agent failed'))
    } else if (n.type === 'withdraw') {
      this.ringer.withdraw(n.agent)
    } else if (n.type === 'overflow') {
      if (n.target.startsWith('queue:')) {
        this.queue = n.target.slice('queue:'.length)
        this.log.info({ queue: this.queue, reason: n.reason }, 'call overflows to another queue of the tenant')
        const target = this.queueConfig()
        const status = target ? queueStatus(target) : undefined
        if (status && !status.open) return this.whenClosed(status.action, {})
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

  async agentAnswered(ring: Ring, dialog: Srf.Dialog): Promise<void> {
    const { engine } = this.deps
    this.answering = true
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
    this.ringer.cancelAll()
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
    // the agent's phone hangs up once told the transfer is accepted: that BYE ends the agent's leg only
    this.agentDialog = undefined
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
    this.agentDialog = from
    await this.dropAgentLeg()
    if (this.ended) return
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
      this.callerDialog = dialog
      dialog.on('destroy', () => void this.callerGone('bye'))
      await this.deps.engine.callbackResult(this.tenant, this.queue, this.id, 'connected')
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
    await this.releaseOutboundChannel()
    await this.dropAgentLeg()
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
}
