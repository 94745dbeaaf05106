import type { ManualClock } from '../acd/clock'
import type { AcdEngine } from '../acd/engine'
import type { Notice } from '../acd/types'
import type { PlatformConfig } from '../config/model'
import { EventHeap, Rng } from './random'

export interface TrafficOptions {
  /** Simulated seconds of arrivals. */
  durationSeconds: number
  /** Calls per second, per DDI (E.164). */
  arrivalRates: Map<string, number>
  meanHandleSeconds: number
  /** Mean caller patience in seconds (exponential); 0 = callers never abandon. */
  meanPatienceSeconds: number
  /** Seconds an agent's phone rings before answering. */
  answerDelaySeconds: number
  /** Share of offers an agent lets ring out. */
  noAnswerRate: number
  /** Seconds between timer runs (ring timeouts, wrap-up, escalation). */
  tickSeconds: number
  /** Calls arriving before this simulated second are left out of the figures. */
  warmupSeconds: number
  /** Share of calls flagged urgent. */
  urgentRate: number
  /** Share of callers offered a callback (queues with `callback`) who take it; default 0. */
  callbackAcceptRate?: number
  /** Share of callback attempts the customer answers; default 0.8 (else busy or no answer). */
  callbackAnswerRate?: number
  seed: number
}

export interface QueueFigures {
  tenant: string
  queue: string
  offered: number
  answered: number
  abandoned: number
  overflowed: number
  /** Share of answered calls answered within the queue's service-level threshold. */
  serviceLevel: number
  /** Mean wait in seconds of answered calls (0 for those answered at once). */
  meanWait: number
  /** Share of calls that could not be offered to an agent on arrival. */
  pWait: number
  /** Callers who took the callback offer; callbacks connected; callbacks given up (engine counts). */
  callbacks: number
  callbacksConnected: number
  callbacksFailed: number
}

interface SimCall {
  tenant: string
  queue: string
  id: string
  arrivedAt: number
  measured: boolean
  waited: boolean
  answeredAt?: number
  ended: boolean
  /** The caller took the callback offer: no more abandonment; counted apart from inbound answers. */
  callback?: boolean
}

type SimEvent =
  | { kind: 'arrival'; ddi: string }
  | { kind: 'answer'; ref: string; agent: string; attempt: number }
  | { kind: 'ring-out'; ref: string; agent: string; attempt: number }
  | { kind: 'hangup'; ref: string }
  | { kind: 'abandon'; ref: string }
  | { kind: 'callback-offer'; ref: string }
  | { kind: 'tick' }

/**
 * Drives the real engine with simulated traffic on a simulated clock: Poisson arrivals per DDI,
 * exponential handle times and patience, agents that answer after a delay (or let it ring out),
 * callers who take the callback offer and customers who answer the callback or not.
 */
export class Simulator {
  private readonly rng: Rng
  private readonly events = new EventHeap<SimEvent>()
  private readonly calls = new Map<string, SimCall>()
  private readonly pendingOffers: Notice[] = []
  private seq = 0
  private readonly offerAttempts = new Map<string, number>()

  constructor(
    private readonly engine: AcdEngine,
    private readonly config: PlatformConfig,
    private readonly clock: ManualClock,
    private readonly options: TrafficOptions,
  ) {
    this.rng = new Rng(options.seed)
    engine.on('notice', (n: Notice) => this.pendingOffers.push(n))
  }

  /** Simulated seconds since the start. */
  get now(): number {
    return this.clock.now() / 1000
  }

  async loginAgents(): Promise<void> {
    for (const agent of this.config.agents.values()) {
      if (agent.probe) continue // the probes' own agents take probe calls only
      const session: string[] = []
      for (const t of agent.tenants) {
        const clash = this.config.tenants.get(t)!.incompatibleWith.some((o) => session.includes(o))
        if (!clash) session.push(t)
      }
      await this.engine.login(agent.id, session)
    }
  }

  /** Runs to the end; `onStep` is called with the simulated time after each event (for live views). */
  async run(onStep?: (simSeconds: number) => Promise<void> | void): Promise<void> {
    const start = this.now
    for (const [ddi, rate] of this.options.arrivalRates) {
      if (rate > 0) this.events.push(start + this.rng.exponential(1 / rate), { kind: 'arrival', ddi })
    }
    this.events.push(start + this.options.tickSeconds, { kind: 'tick' })
    const end = start + this.options.durationSeconds
    for (;;) {
      const next = this.events.pop()
      if (!next) break
      // After the arrivals stop, let the calls in progress drain (bounded).
      if (next.at > end + 3600) break
      if (next.value.kind === 'tick' && next.at > end && this.liveCalls() === 0) break
      this.clock.set(Math.round(next.at * 1000))
      await this.handle(next.value, end)
      await this.drainNotices()
      if (onStep) await onStep(this.now - start)
    }
  }

  private liveCalls(): number {
    let n = 0
    for (const c of this.calls.values()) if (!c.ended) n++
    return n
  }

  private async handle(e: SimEvent, end: number): Promise<void> {
    switch (e.kind) {
      case 'arrival': {
        const rate = this.options.arrivalRates.get(e.ddi)!
        const nextAt = this.now + this.rng.exponential(1 / rate)
        if (nextAt <= end) this.events.push(nextAt, e)
        const ddi = this.config.ddis.get(e.ddi)
        if (!ddi || ddi.entry.kind !== 'queue') return
        const id = `sim-${++this.seq}`
        const call: SimCall = {
          tenant: ddi.tenant,
          queue: ddi.entry.queue,
          id,
          arrivedAt: this.now,
          measured: this.now >= this.options.warmupSeconds,
          waited: false,
          ended: false,
        }
        const ref = `${call.tenant}/${id}`
        this.calls.set(ref, call)
        const attributes: Record<string, string> = this.rng.next() < this.options.urgentRate ? { urgency: 'critical' } : {}
        const before = this.pendingOffers.length
        const r = await this.engine.enqueue({ tenant: call.tenant, queue: call.queue, callId: id, caller: '+33600000000', attributes })
        if (r.state === 'full') {
          call.ended = true
          call.waited = true
          return
        }
        const offeredNow = this.pendingOffers.slice(before).some((n) => n.type === 'offer' && n.call === id && n.tenant === call.tenant)
        call.waited = !offeredNow
        if (this.options.meanPatienceSeconds > 0) this.events.push(this.now + this.rng.exponential(this.options.meanPatienceSeconds), { kind: 'abandon', ref })
        const offer = this.config.tenants.get(call.tenant)?.queues.find((q) => q.id === call.queue)?.callback
        if (offer && (this.options.callbackAcceptRate ?? 0) > 0) this.events.push(this.now + offer.offerAfterSeconds, { kind: 'callback-offer', ref })
        return
      }
      case 'callback-offer': {
        const call = this.calls.get(e.ref)!
        if (call.ended || call.answeredAt !== undefined || this.rng.next() >= (this.options.callbackAcceptRate ?? 0)) return
        try {
          await this.engine.requestCallback(call.tenant, call.id, '+33600000000')
          call.callback = true
        } catch {
          // an agent is ringing or the call moved on: the offer came too late
        }
        return
      }
      case 'answer': {
        const call = this.calls.get(e.ref)
        if (!call || call.ended || call.answeredAt !== undefined || this.offerAttempts.get(e.ref) !== e.attempt) return
        try {
          await this.engine.answer(call.tenant, call.id, e.agent)
        } catch {
          return // the offer was withdrawn in the meantime
        }
        call.answeredAt = this.now
        if (call.callback && this.rng.next() >= (this.options.callbackAnswerRate ?? 0.8)) {
          // the customer does not pick up: the agent is free again, the callback retries or is given up
          const r = await this.engine.callbackResult(call.tenant, call.queue, call.id, this.rng.next() < 0.5 ? 'busy' : 'no-answer')
          call.answeredAt = undefined
          if (r.state === 'failed') call.ended = true
          return
        }
        if (call.callback) await this.engine.callbackResult(call.tenant, call.queue, call.id, 'connected')
        this.events.push(this.now + this.rng.exponential(this.options.meanHandleSeconds), { kind: 'hangup', ref: e.ref })
        return
      }
      case 'ring-out':
        return // the engine's ring timeout returns the call
      case 'hangup': {
        const call = this.calls.get(e.ref)!
        call.ended = true
        await this.engine.complete(call.tenant, call.id, this.rng.next() < 0.5 ? 'agent' : 'caller')
        return
      }
      case 'abandon': {
        const call = this.calls.get(e.ref)!
        if (call.ended || call.answeredAt !== undefined || call.callback) return
        call.ended = true
        await this.engine.abandon(call.tenant, call.id)
        return
      }
      case 'tick': {
        await this.engine.tick()
        this.events.push(this.now + this.options.tickSeconds, e)
        return
      }
    }
  }

  private async drainNotices(): Promise<void> {
    while (this.pendingOffers.length > 0) {
      const n = this.pendingOffers.shift()!
      const ref = `${n.tenant}/${n.call}`
      const call = this.calls.get(ref)
      if (!call) continue
      if (n.type === 'offer') {
        this.offerAttempts.set(ref, n.attempt)
        const agent = this.rng.pick(n.agents)
        if (this.rng.next() < this.options.noAnswerRate) continue
        const delay = this.options.answerDelaySeconds
        if (delay === 0) await this.handle({ kind: 'answer', ref, agent, attempt: n.attempt }, Infinity)
        else this.events.push(this.now + delay * (0.5 + this.rng.next()), { kind: 'answer', ref, agent, attempt: n.attempt })
      } else if (n.type === 'overflow') {
        if (n.target.startsWith('queue:')) {
          call.queue = n.target.slice('queue:'.length)
          await this.engine.enqueue({
            tenant: call.tenant,
            queue: call.queue,
            callId: call.id,
            priority: n.priority,
            keepPlace: { seq: n.seq, enqueuedAt: n.enqueuedAt },
          })
        } else {
          call.ended = true
        }
      }
    }
  }

  /** Figures measured by the simulator itself, per tenant and queue (calls after the warm-up). */
  async figures(): Promise<QueueFigures[]> {
    const out: QueueFigures[] = []
    for (const tenant of this.config.tenants.values()) {
      for (const queue of tenant.queues) {
        const all = [...this.calls.values()].filter((c) => c.tenant === tenant.id && c.queue === queue.id && c.measured)
        // callbacks are reported apart: their wait is not an inbound caller's
        const calls = all.filter((c) => !c.callback)
        const answered = calls.filter((c) => c.answeredAt !== undefined)
        const waits = answered.map((c) => c.answeredAt! - c.arrivedAt)
        const slWithin = waits.filter((w) => w <= queue.serviceLevel.seconds).length
        const stats = (await this.engine.snapshot(tenant.id, queue.id)).stats
        out.push({
          tenant: tenant.id,
          queue: queue.id,
          offered: calls.length,
          answered: answered.length,
          abandoned: calls.filter((c) => c.ended && c.answeredAt === undefined).length,
          overflowed: stats['overflowed'] ?? 0,
          serviceLevel: answered.length ? slWithin / answered.length : 1,
          meanWait: waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : 0,
          pWait: calls.length ? calls.filter((c) => c.waited).length / calls.length : 0,
          callbacks: stats['callbacks_requested'] ?? 0,
          callbacksConnected: stats['callbacks_connected'] ?? 0,
          callbacksFailed: stats['callbacks_failed'] ?? 0,
        })
      }
    }
    return out
  }
}
