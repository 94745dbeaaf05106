import { AcdError, type Notice } from '../acd/types'
import { holdMusicFor } from '../media/prompts'
import type { Logger } from '../telemetry/logger'
import type { Call, CallerContext, Outcome } from './call'
import type { FlowControls } from './controls'
import type { AgentLeg, CallerLeg, FlowDeps, Gone, OutsideLeg } from './ports'
import { callCustomerBack } from './steps/callback'
import { callbackChoice } from './steps/callback-offer'
import { callEnded, endingOf, stopTalkClock, tellTheEnd, type EndedBy } from './steps/ending'
import { runMenu } from './steps/menu'
import { openingCheck, turnAway, type ClosedAction } from './steps/opening'
import { afterHours, closedOverflow, divert } from './steps/diversion'
import { overflowStep } from './steps/overflow'
import { ddiClosed } from './steps/out-of-hours'
import { overflowTargetCode } from '../acd/definitions'
import { movedWithSite, routeToSite } from './steps/site-route'
import { Ringing } from './steps/ringing'
import { askTransfer } from './steps/transfer'
import { takeVoicemail } from './steps/voicemail'
import { WaitingRoom } from './steps/waiting-room'
import { within } from './timers'

/** How media releases are bounded: a media server that never confirms must not hold the call. */
const RELEASE_MS = 5000

export type Entry = { kind: 'queue' } | { kind: 'ivr'; ivr: string }

/**
 * One call, as a short sequence of steps: the caller's entry (IVR, opening check), waiting (hold
 * music, announcements, callback offer), ringing agents, the bridge, and whatever follows
 * (transfer, callback, voicemail), to its one ending. The legs are ports: an inbound trunk call and
 * a customer called back go through the same steps.
 */
export class CallFlow {
  private caller?: CallerLeg
  private agentLeg?: AgentLeg
  private readonly ringing: Ringing
  private room?: WaitingRoom
  private cancelOutside?: () => void

  /** What the steps may ask of this flow. */
  private readonly controls: FlowControls = {
    requeue: (queue, o = {}) => {
      this.call.queue = queue
      return this.queueUp({ ...o, hold: o.hold ?? false })
    },
    voicemail: (reason) => this.voicemail(reason),
    end: (outcome, reason) => this.end(outcome, reason),
    joinOutside: (leg) => this.joinOutside(leg),
    onCancel: (c) => (this.cancelOutside = c),
    offerCallbackNow: () => this.room?.offerCallbackNow(),
    isConnectedAgent: (leg) => leg === this.agentLeg && this.call.phase === 'connected',
    letGo: (leg) => {
      if (leg === this.agentLeg) this.agentLeg = undefined
    },
    callerMedia: () => this.caller?.media,
  }

  constructor(
    readonly deps: FlowDeps,
    readonly call: Call,
    private readonly log: Logger,
    private readonly agentHeaders: (call: Call) => Record<string, string>,
  ) {
    this.ringing = new Ringing(deps, call, () => this.agentHeaders(call), (agent, leg) => this.agentAnswered(agent, leg))
  }

  /**
   * The caller came in: `answer` puts it on the platform (into media, or ringing without it), then
   * the IVR, then the queue.
   */
  async start(caller: CallerLeg, entry: Entry, attributes: Record<string, string>, answer: () => Promise<void>): Promise<void> {
    this.caller = caller
    this.call.arrivedAt = this.deps.timers.now()
    caller.onGone((how) => void this.callerGone(how))
    Object.assign(this.call.attributes, attributes)
    try {
      await answer()
      if (this.call.ended) return
      const shut = ddiClosed(this.call, this.deps.timers.now())
      if (shut) return afterHours(this.deps, this.call, this.controls, shut)
      let priority: number | undefined
      if (entry.kind === 'ivr') {
        if (!caller.media) return this.end('failed', 'no-media-for-ivr')
        const outcome = await runMenu(this.callerContext(caller.media), entry.ivr)
        if (!outcome || this.call.ended) return
        Object.assign(this.call.attributes, outcome.attributes)
        if (outcome.kind === 'voicemail') return this.voicemail('ivr')
        if (outcome.kind !== 'queue') return this.end('refused', `ivr-${outcome.kind}`)
        this.call.queue = outcome.queue
        priority = outcome.priority
      }
      await this.queueUp({ hold: true, priority, attributes: this.call.attributes })
    } catch (err) {
      this.log.error({ err }, 'call setup failed')
      await this.end('failed', 'setup-failed', 500)
    }
  }

  /** Into the call's queue (after the opening check), with hold music and the waiting room. */
  private async queueUp(o: { hold: boolean; priority?: number; attributes?: Record<string, string>; keepPlace?: { seq: string; enqueuedAt: number } }): Promise<void> {
    const { call, deps } = this
    await routeToSite(deps, call, this.log)
    const open = openingCheck(call, deps.timers.now())
    const rule = open.open ? undefined : call.queueConfig()?.overflowRules.find((r) => r.when.kind === 'closed')
    if (!open.open && rule) return closedOverflow(deps, call, this.controls, overflowTargetCode(rule.to), open)
    if (!open.open) return this.closed(open.action, open)
    call.phase = 'queued'
    call.answering = false
    if (this.caller?.media) {
      if (o.hold) this.resumeHold()
      this.openWaitingRoom()
    }
    const r = await deps.engine.enqueue({ tenant: call.tenant.id, queue: call.queue, callId: call.id, caller: call.callerNumber, attributes: o.attributes, priority: o.priority, keepPlace: o.keepPlace })
    this.log.info({ queue: call.queue, state: r.state, position: r.position }, 'call queued')
    if (r.state === 'full') {
      if (call.queueConfig()?.overflow.kind === 'voicemail' && this.caller?.media) return this.voicemail('queue-full')
      return this.end('refused', 'queue-full', 486)
    }
  }

  private async closed(action: ClosedAction, why?: { reason: string; opensAt?: number }): Promise<void> {
    this.log.info({ queue: this.call.queue, action, reason: why?.reason }, 'queue closed')
    this.deps.metrics.callsRejected.inc({ tenant: this.call.tenant.id, reason: 'queue-closed' })
    const next = await turnAway({ engine: this.deps.engine, media: this.caller?.media }, this.call, action, why)
    return next === 'voicemail' ? this.voicemail('closed') : this.end('refused', 'queue-closed')
  }

  private callerContext(media: NonNullable<CallerLeg['media']>): CallerContext {
    return { call: this.call, engine: this.deps.engine, media, log: this.log, timers: this.deps.timers, resumeHold: () => this.resumeHold() }
  }
  private resumeHold(): void {
    this.caller?.media?.hold(holdMusicFor(this.call.tenant, this.call.queueConfig()?.holdMusic, this.deps.engine.platform.settings.defaultRegion))
  }

  /** Announcements and the callback offer of the current queue while the caller waits. */
  private openWaitingRoom(): void {
    this.room?.stop()
    const q = this.call.queueConfig()
    const media = this.caller?.media
    if (!q || !media) return
    const ctx = this.callerContext(media)
    const callback = q.callback ? callbackChoice(ctx, q.callback, () => this.letCallerGo()) : undefined
    if (q.announceSeconds === 0 && !callback) return
    this.room = new WaitingRoom(ctx, q.announceSeconds, callback)
    this.room.start()
  }

  /** The caller asked to be called back: the inbound leg is given back, the call keeps its place. */
  private async letCallerGo(): Promise<void> {
    const caller = this.caller
    this.caller = undefined
    caller?.hangup(200)
    await caller?.release()
  }

  private async voicemail(reason: string): Promise<void> {
    const media = this.caller?.media
    if (!media || this.call.ended) return this.end('failed', reason)
    this.room?.stop()
    await takeVoicemail(this.callerContext(media), reason)
    await this.end('voicemail', reason)
  }

  /** Offers, withdrawals and overflows for this call from the engine. */
  async notice(n: Notice): Promise<void> {
    if (this.call.ended) return
    if (n.type === 'offer') {
      for (const agent of n.agents) void this.ringing.ring(agent).catch((err: unknown) => this.log.error({ err, agent }, 'ringing the agent failed'))
    } else if (n.type === 'withdraw') {
      this.ringing.withdraw(n.agent)
    } else if (n.type === 'moved') {
      movedWithSite(this.call, n)
    } else if (n.type === 'overflow') {
      this.log.info({ target: n.target, reason: n.reason, number: this.call.callbackNumber }, 'call overflows')
      return divert(this.deps, this.call, this.controls, overflowStep(n, Boolean(this.caller?.media), this.call.hops), n.queue)
    }
  }

  /** An outside party answered (transfer target, forward, on-call technician): joined to the caller. */
  private async joinOutside(outside: OutsideLeg): Promise<void> {
    const { call, deps } = this
    this.cancelOutside = undefined
    this.agentLeg = outside
    call.phase = 'connected'
    call.firstAnsweredAt ??= deps.timers.now()
    call.connectedSince = deps.timers.now()
    outside.onGone(() => void this.agentGone(outside))
    await this.caller?.connect(outside)
  }

  /** The first agent to answer: the engine is told, the others stop ringing, the legs are joined. */
  private async agentAnswered(agent: string, leg: AgentLeg): Promise<boolean> {
    const { call, deps } = this
    call.answering = true
    try {
      await deps.engine.answer(call.tenant.id, call.id, agent)
    } catch (err) {
      call.answering = false
      if (err instanceof AcdError) {
        this.log.info({ agent, code: err.code }, 'agent answered an offer that was withdrawn')
        return false
      }
      throw err
    }
    // the caller left while the engine took the answer: its ending completes the call there
    if (call.ended) return false
    this.ringing.cancelAll()
    this.room?.stop()
    call.phase = 'connected'
    call.agent = call.lastAgent = agent
    call.firstAnsweredAt ??= deps.timers.now()
    call.connectedSince = deps.timers.now()
    this.agentLeg = leg
    leg.onGone(() => void this.agentGone(leg))
    leg.onTransfer(async (target) => askTransfer(this.deps, this.call, leg, target, this.controls))
    try {
      if (call.callbackNumber && !this.caller) await this.callCustomer(leg)
      else if (this.caller) await this.caller.connect(leg)
      if (!call.ended) this.log.info({ agent }, 'caller and agent connected')
    } catch (err) {
      this.log.error({ err, agent }, 'caller and agent could not be connected')
      await this.end('failed', 'bridge-failed')
    }
    return true
  }

  /** A callback's agent answered: the customer is called, then becomes the caller side. */
  private async callCustomer(agentLeg: AgentLeg): Promise<void> {
    const r = await callCustomerBack(this.deps, this.call, agentLeg, {
      agentPresent: () => this.agentLeg === agentLeg,
      onCancel: (c) => (this.cancelOutside = c),
    })
    this.cancelOutside = undefined
    if (this.call.ended || r.kind === 'ended') return
    if (r.kind === 'connected') {
      this.caller = r.customer
      r.customer.onGone((how: Gone) => void this.callerGone(how))
      await r.customer.connect(agentLeg)
      return
    }
    this.agentLeg = undefined
    agentLeg.hangup()
    await agentLeg.release()
    this.call.agent = undefined
    stopTalkClock(this.call, this.deps.timers.now())
    this.call.phase = 'callback'
    this.call.answering = false
    if (r.givenUp) await this.end('callback-failed', 'callback-failed')
  }

  private async callerGone(how: Gone): Promise<void> {
    if (this.call.ended) return
    if (this.call.phase === 'callback') return
    this.log.info({ how, phase: this.call.phase }, 'caller hung up')
    await this.finish('caller')
  }

  private async agentGone(leg: AgentLeg): Promise<void> {
    if (this.call.ended || leg !== this.agentLeg) return
    if (this.call.callbackNumber && !this.caller && this.call.phase === 'connected') {
      // the agent of a callback hung up before the customer answered: this attempt fails
      this.log.info({ agent: this.call.agent }, 'agent hung up while the customer was being called')
      this.agentLeg = undefined
      this.cancelOutside?.()
      return
    }
    this.log.info({ agent: this.call.agent }, 'agent hung up')
    await this.finish('agent')
  }

  /** Ends the call from the platform side (final response or BYE to the caller). */
  async end(outcome: Outcome, reason: string, status = 480): Promise<void> {
    if (this.call.ended) return
    this.call.end ??= { outcome, reason }
    this.log.info({ reason }, 'service ends the call')
    await this.finish('system', status)
  }

  private async finish(by: EndedBy, status = 480): Promise<void> {
    const { call, deps } = this
    if (call.ended) return
    const ending = endingOf(call, call.phase, by)
    call.phase = 'ended'
    this.room?.stop()
    this.ringing.cancelAll()
    this.cancelOutside?.()
    if (by !== 'caller') this.caller?.hangup(status)
    if (by !== 'agent') this.agentLeg?.hangup()
    await tellTheEnd(deps, this.log, call, by, callEnded(call, ending, by, deps.timers.now()))
    const released = await within(deps.timers, Promise.all([this.caller?.release(), this.agentLeg?.release()]), RELEASE_MS)
    if (!released) this.log.warn("the call's legs were not released within 5 s")
    this.log.info({ by, outcome: ending.outcome, reason: ending.reason, agent: call.agent }, 'call ended')
    deps.onEnded({ tenant: this.call.tenant.id, id: call.id })
  }
}
