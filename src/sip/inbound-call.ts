import { randomUUID } from 'node:crypto'
import type Srf from 'drachtio-srf'
import type { AcdEngine } from '../acd/engine'
import { AcdError, type Notice } from '../acd/types'
import type { Registrar } from '../agents/registrar'
import type { Ddi, Trunk } from '../config/model'
import type { AgentMedia, CallerMedia, MediaGateway } from '../media/gateway'
import { holdMusicFor } from '../media/prompts'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { TrunkChannels } from '../trunks/channels'
import { uriUser } from './sdp'
import { Announcer, runCallerMenu, takeVoicemail, type CallerContext } from './caller-services'
import { bounded, endDialog } from './dialogs'
import { acquireOutbound, agentContact, relayModify } from './outbound-legs'
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

type Phase = 'queued' | 'connected' | 'voicemail' | 'ended'

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
  private announcer?: Announcer
  private outboundTrunk?: Trunk
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
        const q = this.deps.engine.platform.tenants.get(this.tenant)?.queues.find((x) => x.id === this.queue)
        this.caller.hold(holdMusicFor(this.deps.engine.platform.tenants.get(this.tenant)!, q?.holdMusic))
        if (q && q.announceSeconds > 0) {
          this.announcer = new Announcer(this.callerContext())
          this.announcer.start(q.announceSeconds)
        }
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
    }
  }

  private async voicemail(reason: string, attributes: Record<string, string>): Promise<void> {
    if (!this.caller || this.ended) return this.endCall(reason)
    this.announcer?.stop()
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
          headers: { From: `<sip:${this.req.callingNumber || 'anonymous'}@${this.deps.engine.platform.tenants.get(this.tenant)!.sipDomain}>`, 'X-ACD-Tenant': this.tenant, 'X-ACD-Queue': this.queue },
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
    this.announcer?.stop()
    if (ring.outboundTrunk) this.agentTrunk = { trunk: ring.outboundTrunk, key: `${this.id}:${ring.agent}` }
    this.phase = 'connected'
    this.agent = ring.agent
    this.agentDialog = dialog
    this.agentMedia = ring.media
    dialog.on('destroy', () => {
      if (dialog === this.agentDialog) void this.agentGone()
    })
    dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => void this.onRefer(dialog, req, res).catch((err) => this.log.error({ err }, 'transfer failed')))
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
      const tenant = this.deps.engine.platform.tenants.get(this.tenant)!
      this.caller?.hold(holdMusicFor(tenant, tenant.queues.find((q) => q.id === this.queue)?.holdMusic))
      await this.deps.engine.enqueue({ tenant: this.tenant, queue: this.queue, callId: this.id, caller: this.req.callingNumber, attributes: { ddi: this.ddi.number, transferred: 'true' } })
      return
    }
    await this.dialOut(target.number)
  }

  /** Connects the caller to an outside number through the tenant's outbound trunk. */
  private async dialOut(number: string): Promise<void> {
    const tenant = this.deps.engine.platform.tenants.get(this.tenant)!
    const trunk = await acquireOutbound(this.deps.channels, tenant, this.id)
    if (!trunk) {
      this.log.warn('outbound channels full: transfer fails')
      return this.endCall('outbound-channels-full')
    }
    this.outboundTrunk = trunk
    const media = this.deps.media ? await this.deps.media.agentLeg() : undefined
    try {
      const dialog = await this.deps.srf.createUAC(`sip:${number}@${trunk.outboundProxy}`, {
        localSdp: media ? media.offer : (this.callerDialog?.remote.sdp ?? this.req.body),
        headers: { From: `<sip:${this.ddi.number}@${tenant.sipDomain}>`, 'X-ACD-Tenant': this.tenant },
      })
      if (this.ended) {
        endDialog(dialog)
        await media?.release()
        return
      }
      this.agentDialog = dialog
      this.agentMedia = media
      dialog.on('destroy', () => {
        if (dialog === this.agentDialog) void this.agentGone()
      })
      if (media && this.caller) {
        await media.answered(dialog.remote.sdp)
        await this.caller.bridge(media)
      } else if (this.callerDialog) {
        await this.callerDialog.modify(dialog.remote.sdp)
      }
    } catch (err) {
      await media?.release()
      this.log.info({ number, status: (err as { status?: number }).status }, 'transfer target did not answer')
      await this.endCall('transfer-failed')
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
    this.log.info({ how, phase: this.phase }, 'caller hung up')
    await this.finish('caller')
  }

  private async agentGone(): Promise<void> {
    if (this.ended) return
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
    this.announcer?.stop()
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
    await this.deps.channels.release(this.trunk, 'in', this.id).catch(releaseFailed)
    if (this.outboundTrunk) await this.deps.channels.release(this.outboundTrunk, 'out', this.id).catch(releaseFailed)
    if (this.agentTrunk) await this.deps.channels.release(this.agentTrunk.trunk, 'out', this.agentTrunk.key).catch(releaseFailed)
    this.deps.metrics.activeCalls.dec({ tenant: this.tenant })
    this.log.info({ by, connected: wasConnected, agent: this.agent }, 'call ended')
    this.deps.onEnded(this)
    // Media last, and bounded: a media server that never confirms must not hold the call open.
    const released = await bounded(Promise.all([this.caller?.release(), this.agentMedia?.release()]), 5000)
    if (!released) this.log.warn('media server did not confirm the release of the call\'s channels in 5 s')
  }
}
