import { queueOf } from '../config/model'
import { callbackPlan, formatWindows } from '../routing/callback-hours'
import { isProbeLane } from '../config/probes'
import { priorityFor } from '../routing/priority'
import { encodeEvent } from '../events/codec'
import type { CallFlowEvent } from '../events/contract'
import { HISTORY_MAX_LEN } from '../events/history'
import { keys } from './keys'
import { callPosition, queueSnapshot } from './queries'
import { qualify } from './qualify'
import { AcdError, type CallbackOutcome, type CallPosition, type CallState, type EnqueueRequest, type EnqueueResult, type InstanceRecovery, type Notice, type QueueSnapshot } from './types'
import { EngineAgents } from './engine-agents'

export type { EngineOptions } from './engine-core'

/**
 * The automatic call distributor over Redis. Every state change is one Lua script; several
 * instances may run on one Redis. Offers for this instance's calls are emitted as 'notice'
 * events, whichever instance's action caused them (see pullNotices / listen).
 */
export class AcdEngine extends EngineAgents {
  referentFor(tenant: string, customer: string | undefined): string | undefined {
    if (!customer) return undefined
    for (const agent of this.config.agents.values()) {
      if (agent.referentFor[tenant]?.includes(customer)) return agent.id
    }
    return undefined
  }

  async enqueue(req: EnqueueRequest): Promise<EnqueueResult> {
    this.checkId('call', req.callId)
    const queue = this.queue(req.tenant, req.queue)
    const attributes = req.attributes ?? {}
    const priority = req.priority ?? priorityFor(queue, attributes)
    if (!Number.isInteger(priority) || priority < 0 || priority > 99) throw new AcdError('BAD_PRIORITY', `priority ${priority} is not 0..99`)
    const referent = req.referent ?? attributes['preferred_agent'] ?? this.referentFor(req.tenant, attributes['customer']) ?? ''
    const reply = await this.run(
      'enqueue',
      this.poolOf(req.tenant),
      req.tenant,
      req.queue,
      req.callId,
      priority,
      req.caller ?? '',
      JSON.stringify(attributes),
      referent,
      req.keepPlace?.seq ?? '',
      req.keepPlace?.enqueuedAt ?? '',
    )
    const state = reply['state'] as EnqueueResult['state']
    this.log.info({ tenant: req.tenant, call: req.callId, queue: req.queue, priority, state, position: reply['position'], referent: referent || undefined }, 'call enqueued')
    if (state !== 'full' && !req.keepPlace && !isProbeLane(req.queue)) this.metrics?.callsOffered.inc({ tenant: req.tenant, queue: req.queue })
    return { state, position: Number(reply['position'] ?? 0), priority }
  }

  /**
   * Every call waiting in the queue leaves it for `target` (an overflow target code, see
   * definitions.ts overflowTargetCode), told to each call's owner: the queue closed. Returns how
   * many calls were moved.
   */
  async overflowWaiting(tenant: string, queue: string, reason: string, target: string): Promise<number> {
    this.queue(tenant, queue)
    const reply = await this.run('overflow_queue', this.poolOf(tenant), tenant, queue, reason, target)
    return Number(reply['moved'] ?? 0)
  }

  /**
   * Appends a call-flow event (voicemail, closed, ivr_abandoned, call_ended, ...) to the tenant's
   * history, typed and checked by the event contract (src/events); ts, tenant and v are added.
   * Returns the stream entry id.
   */
  async record(tenant: string, event: CallFlowEvent): Promise<string> {
    const fields = encodeEvent(event, { ts: this.clock.now(), tenant, writer: 'call-flow' })
    return (await this.redis.xadd(keys.events(this.poolOf(tenant), tenant), 'MAXLEN', '~', HISTORY_MAX_LEN, '*', ...fields))!
  }

  async answer(tenant: string, callId: string, agentId: string): Promise<{ waitMs: number }> {
    const reply = await this.run('answer', this.poolOf(tenant), tenant, callId, agentId)
    this.log.info({ tenant, call: callId, agent: agentId, waitMs: reply['waitMs'] }, 'call connected to agent')
    if (reply['callback'] !== true && !isProbeLane(String(reply['queue']))) this.metrics?.callsAnswered.inc({ tenant, queue: String(reply['queue']) })
    return { waitMs: Number(reply['waitMs']) }
  }

  /**
   * The waiting caller chose to be called back on `number` and may hang up: the call keeps its
   * place; when an agent is reserved and answers, this instance calls the customer.
   */
  async requestCallback(tenant: string, callId: string, number: string): Promise<{ position: number }> {
    const call = await this.callState(tenant, callId)
    if (!call) throw new AcdError('NO_SUCH_CALL', `call ${tenant}/${callId} is not in the ACD`)
    const offer = this.queue(tenant, call['queue']!).callback
    if (!offer) throw new AcdError('NO_CALLBACK', `queue ${tenant}/${call['queue']} offers no callback`)
    if (!/^\+[1-9][0-9]{5,14}$/.test(number)) throw new AcdError('BAD_NUMBER', `callback number ${JSON.stringify(number)} is not E.164`)
    const now = this.clock.now()
    const plan = callbackPlan(this.config.tenants.get(tenant)!, this.queue(tenant, call['queue']!), parseAttributes(call['attrs']), new Date(now), new Date(now + offer.expireSeconds * 1000))
    const reply = await this.run(
      'callback_request',
      this.poolOf(tenant),
      tenant,
      callId,
      number,
      Math.round(offer.expireSeconds * 1000),
      plan.due?.due.getTime() ?? '',
      plan.due?.urgency ?? '',
      formatWindows(plan.closed),
    )
    this.log.info({ tenant, call: callId, queue: call['queue'], position: reply['position'], due: plan.due?.due, state: reply['state'] }, 'callback requested')
    this.metrics?.callbacks.inc({ tenant, queue: call['queue']!, outcome: 'requested' })
    return { position: Number(reply['position']) }
  }

  /**
   * The agent of a callback answered and the customer was called: connected, or a failed attempt
   * (the agent is free again; the callback retries per its queue's policy, or is reported failed).
   */
  async callbackResult(tenant: string, queue: string, callId: string, outcome: CallbackOutcome): Promise<{ state: 'connected' | 'retry' | 'failed'; attempt: number }> {
    // the policy in force now; a queue that no longer offers callbacks (config reloaded) retries none
    const offer = queueOf(this.config, tenant, queue)?.callback
    const retryMs = outcome === 'connected' || !offer ? 0 : Math.round(offer.retry.retrySeconds[outcome] * 1000)
    const reply = await this.run('callback_result', this.poolOf(tenant), tenant, callId, outcome, retryMs, offer?.retry.maxAttempts ?? 1)
    const state = reply['state'] as 'connected' | 'retry' | 'failed'
    this.log.info({ tenant, call: callId, queue, outcome, attempt: reply['attempt'], state }, 'callback attempt')
    this.metrics?.callbacks.inc({ tenant, queue, outcome: state === 'failed' ? 'given-up' : outcome })
    return { state, attempt: Number(reply['attempt']) }
  }

  async noAnswer(tenant: string, callId: string, agentId: string, reason: 'ring-timeout' | 'busy' | 'declined' | 'unreachable'): Promise<void> {
    await this.run('no_answer', this.poolOf(tenant), tenant, callId, agentId, reason)
  }

  /** A connected call ended. */
  async complete(tenant: string, callId: string, endedBy: 'caller' | 'agent' | 'system' = 'caller'): Promise<void> {
    await this.run('complete', this.poolOf(tenant), tenant, callId, endedBy)
  }

  /** The caller hung up before being connected (waiting or while agents were ringing). */
  async abandon(tenant: string, callId: string): Promise<{ stage: string } | undefined> {
    const reply = await this.run('abandon', this.poolOf(tenant), tenant, callId)
    if (reply['state'] !== 'unknown') {
      this.log.info({ tenant, call: callId, stage: reply['stage'] }, 'call abandoned')
      if (!isProbeLane(String(reply['queue']))) this.metrics?.callsAbandoned.inc({ tenant, queue: String(reply['queue']) })
    }
    return reply['state'] === 'unknown' ? undefined : { stage: String(reply['stage']) }
  }

  /** Ends a call wherever it is: abandon if not yet connected, complete if connected. */
  async hangup(tenant: string, callId: string, endedBy: 'caller' | 'agent' | 'system' = 'caller'): Promise<void> {
    try {
      await this.abandon(tenant, callId)
    } catch (err) {
      if (err instanceof AcdError && err.code === 'CONNECTED') await this.complete(tenant, callId, endedBy)
      else throw err
    }
  }

  /** Runs the due timers of every pool; callbacks found past their due time are counted as breaches. */
  async tick(limit = 500): Promise<{ processed: number; nextDue: number | undefined }> {
    let processed = 0
    let nextDue: number | undefined
    for (const pool of this.pools()) {
      const reply = await this.run('tick', pool, limit)
      processed += Number(reply['processed'])
      for (const b of Array.isArray(reply['breaches']) ? (reply['breaches'] as { tenant: string; queue: string }[]) : []) {
        this.log.warn({ tenant: b.tenant, queue: b.queue, call: (b as { call?: string }).call }, 'callback not made by its due time')
        this.metrics?.callbackBreaches.inc({ tenant: b.tenant, queue: b.queue })
      }
      const nd = reply['nextDue'] as number | undefined
      if (nd !== undefined && (nextDue === undefined || nd < nextDue)) nextDue = nd
    }
    return { processed, nextDue }
  }

  /**
   * Recovers what a stopped instance held in a pool (see recover_instance.lua): once, whichever
   * instance asks first; undefined when that instance is alive after all.
   */
  async recoverInstance(pool: string, instance: string): Promise<InstanceRecovery | undefined> {
    const reply = await this.run('recover_instance', pool, instance)
    if (reply['state'] !== 'recovered') return undefined
    const ended = Array.isArray(reply['ended']) ? (reply['ended'] as InstanceRecovery['ended']) : []
    return { adopted: Number(reply['adopted']), released: Number(reply['released']), ended }
  }

  /**
   * A connected call the ACD lost (Redis came back empty), told again by the instance carrying it:
   * connected to its agent, the agent on-call in a session of the call's tenant and the tenants
   * compatible with it (see restore_call.lua). 'exists' when the ACD still knows the call.
   */
  async restoreConnected(c: { tenant: string; id: string; queue: string; agent: string; arrivedAt: number; answeredAt: number; caller?: string; attributes: Record<string, string> }): Promise<'restored' | 'exists'> {
    const agent = this.config.agents.get(c.agent)
    if (!agent) throw new AcdError('NO_SUCH_AGENT', `unknown agent "${c.agent}"`)
    const session = [c.tenant]
    for (const t of agent.tenants) {
      if (session.includes(t) || this.config.tenants.get(t)?.pool !== this.poolOf(c.tenant)) continue
      if (!session.some((s) => this.config.tenants.get(s)!.incompatibleWith.includes(t))) session.push(t)
    }
    const quals = qualify(this.config, agent, session).flatMap((q) => [q.qid, `${q.step}|${q.position}|${q.level}|${q.strategy}|${q.steps}`])
    const reply = await this.run('restore_call', this.poolOf(c.tenant), c.tenant, c.id, c.queue, c.agent, c.arrivedAt, c.answeredAt, c.caller ?? '', JSON.stringify(c.attributes), session.join(','), ...quals)
    return reply['state'] as 'restored' | 'exists'
  }

  /** Takes offers/notices other instances queued for this one (non-blocking). */
  async pullNotices(max = 1000): Promise<number> {
    let n = 0
    for (const pool of this.pools()) {
      const items = await this.redis.lpop(keys.offers(pool, this.instanceId), max)
      for (const item of items ?? []) {
        this.dispatchNotice(JSON.parse(item) as Notice)
        n++
      }
    }
    return n
  }

  async callState(tenant: string, callId: string): Promise<Record<string, string> | undefined> {
    const h = await this.redis.hgetall(keys.call(this.poolOf(tenant), tenant, callId))
    return h['id'] ? h : undefined
  }

  /** Position (1 = next) and estimated wait of a waiting call. */
  async position(tenant: string, callId: string): Promise<CallPosition | undefined> {
    const call = await this.callState(tenant, callId)
    if (!call) return undefined
    return callPosition(this.redis, this.poolOf(tenant), call, this.queue(tenant, call['queue']!))
  }

  /** Live figures of a queue: waiting calls, longest wait, agents by state, counters. */
  async snapshot(tenant: string, queue: string): Promise<QueueSnapshot> {
    this.queue(tenant, queue)
    return queueSnapshot(this.redis, this.poolOf(tenant), tenant, queue, this.clock.now())
  }
}

function parseAttributes(raw: string | undefined): Record<string, string> {
  try {
    const v: unknown = JSON.parse(raw ?? '{}')
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {}
  } catch {
    return {}
  }
}
