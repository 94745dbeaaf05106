// Redis restarted without its data (no persistence, or a replica promoted empty): the ACD state is
// gone while calls are still up. Each pool has an epoch in Redis; an instance that finds it changed
// (or gone) tells the engine again what it holds in memory: its connected calls (their agents
// on-call), its waiting callers (back in their queues from their arrival time), the trunk channels
// of its calls, and the agents' sessions from its last snapshot of them (taken every heartbeat).
import { randomBytes } from 'node:crypto'
import type { AcdEngine } from '../acd/engine'
import { keys } from '../acd/keys'
import { AcdError } from '../acd/types'
import type { CallFlow } from '../call/call-flow'
import { probeLane } from '../config/probes'
import type { RedisLike } from '../redis/connect'
import type { Logger } from '../telemetry/logger'
import type { TrunkChannels } from '../trunks/channels'

interface AgentSnapshot {
  state: string
  tenants: string[]
  reason: string
  call: string
}

export class StateWatch {
  private readonly epochs = new Map<string, string>()
  private agents = new Map<string, AgentSnapshot>()
  private ownCalls = new Set<string>()
  private checking?: Promise<void>

  constructor(
    private readonly deps: { redis: RedisLike; engine: AcdEngine; channels: TrunkChannels; calls: () => CallFlow[]; log: Logger },
  ) {}

  /** The pools' epochs, new or as they are (at start). */
  async begin(): Promise<void> {
    for (const pool of this.deps.engine.pools()) this.epochs.set(pool, await this.claim(pool))
  }

  private async claim(pool: string): Promise<string> {
    await this.deps.redis.set(keys.epoch(pool), randomBytes(8).toString('hex'), 'NX')
    return (await this.deps.redis.get(keys.epoch(pool)))!
  }

  /** Restores what this instance holds in every pool whose state was lost (once per loss). */
  check(): Promise<void> {
    return (this.checking ??= this.checkPools().finally(() => (this.checking = undefined)))
  }

  private async checkPools(): Promise<void> {
    for (const pool of this.deps.engine.pools()) {
      const known = this.epochs.get(pool)
      const now = await this.deps.redis.get(keys.epoch(pool))
      if (known === undefined || now === known) {
        if (known === undefined) this.epochs.set(pool, await this.claim(pool))
        else await this.resume(pool)
        continue
      }
      this.epochs.set(pool, await this.claim(pool))
      await this.restore(pool)
    }
  }

  /**
   * The pool's state was kept, but a failover may have undone the old master's last writes (README
   * "Redis high availability"): a caller this instance holds waiting in a queue whose place the ACD
   * lacks would wait unserved until hanging up, so it is put back in its queue from its arrival
   * time, as after a loss. (A waiting call's enqueue was sent before this check on the same
   * connection: a call the ACD lacks here is one it lost.)
   */
  private async resume(pool: string): Promise<void> {
    const { redis, engine, log } = this.deps
    const waiting = this.deps.calls().filter((f) => f.call.tenant.pool === pool && f.call.waiting && !f.call.attributes['probe'])
    if (!waiting.length) return
    const held = await redis.pipeline(waiting.map((f) => ['exists', keys.call(pool, f.call.tenant.id, f.call.id)])).exec()
    const lost = waiting.filter((f, i) => Number(held?.[i]?.[1]) === 0 && f.call.waiting)
    for (const flow of lost) {
      const c = flow.call
      try {
        await flow.deps.engine.enqueue({ tenant: c.tenant.id, queue: c.queue, callId: c.id, caller: c.callerNumber, attributes: c.attributes, keepPlace: { seq: '', enqueuedAt: c.arrivedAt } })
        // the caller left meanwhile: its end found nothing to end in the ACD, so end it here
        if (c.ended) await engine.hangup(c.tenant.id, c.id, 'caller')
      } catch (err) {
        if (!(err instanceof AcdError && err.code === 'CALL_EXISTS')) log.warn({ err, tenant: c.tenant.id, call: c.id }, 'a waiting call could not be told again to the ACD')
      }
    }
    if (lost.length) log.warn({ pool, calls: lost.map((f) => `${f.call.tenant.id}/${f.call.id}`) }, 'waiting calls the ACD lacked after Redis came back put back in their queues')
  }

  /** The agents' sessions of every pool whose state is the one known (taken with the heartbeat). */
  async snapshot(): Promise<void> {
    const agents = new Map<string, AgentSnapshot>()
    for (const pool of this.deps.engine.pools()) {
      if ((await this.deps.redis.get(keys.epoch(pool))) !== this.epochs.get(pool)) return // lost: keep the last one
      const ids = await this.deps.redis.smembers(keys.agents(pool))
      const batch = this.deps.redis.pipeline()
      for (const id of ids) batch.hmget(keys.agent(pool, id), 'state', 'tenants', 'reason', 'call')
      const rows = ids.length ? ((await batch.exec()) ?? []) : []
      ids.forEach((id, i) => {
        const [err, fields] = rows[i] ?? [null, []]
        const [state, tenants, reason, call] = (err ? [] : (fields as (string | null)[])) as (string | null | undefined)[]
        if (state && state !== 'logged-out') agents.set(id, { state, tenants: (tenants ?? '').split(',').filter(Boolean), reason: reason ?? '', call: call ?? '' })
      })
    }
    this.agents = agents
    this.ownCalls = new Set(this.deps.calls().map((f) => `${f.call.tenant.id}/${f.call.id}`))
  }

  private async restore(pool: string): Promise<void> {
    const { engine, log } = this.deps
    const counts = { connected: 0, waiting: 0, channels: 0, agents: 0 }
    const live = this.deps.calls().filter((f) => f.call.tenant.pool === pool && !f.call.ended)
    for (const flow of live) {
      const c = flow.call
      try {
        const trunk = c.tenant.trunks.find((t) => t.id === c.attributes['trunk'])
        if (trunk && (await this.deps.channels.acquire(trunk, 'in', c.id))) counts.channels++
        if (c.phase === 'connected' && c.agent) {
          const queue = c.attributes['probe'] ? probeLane(c.queue, c.attributes['probe']) : c.queue
          const answeredAt = c.connectedSince ?? c.firstAnsweredAt ?? Date.now()
          await engine.restoreConnected({ tenant: c.tenant.id, id: c.id, queue, agent: c.agent, arrivedAt: c.arrivedAt, answeredAt, caller: c.callerNumber, attributes: c.attributes })
          counts.connected++
        } else if (c.phase === 'queued' && !c.answering) {
          await flow.deps.engine.enqueue({ tenant: c.tenant.id, queue: c.queue, callId: c.id, caller: c.callerNumber, attributes: c.attributes, keepPlace: { seq: '', enqueuedAt: c.arrivedAt } })
          counts.waiting++
        }
      } catch (err) {
        log.warn({ err, tenant: c.tenant.id, call: c.id, phase: c.phase }, 'a call could not be told again to the ACD')
      }
    }
    // agents: those not on a call, and those whose call (of this instance) ended meanwhile
    const liveRefs = new Set(live.map((f) => `${f.call.tenant.id}/${f.call.id}`))
    for (const [id, a] of this.agents) {
      const agent = engine.platform.agents.get(id)
      if (!agent || agent.probe || engine.poolOf(agent.tenants[0]!) !== pool) continue
      if (a.state === 'on-call' && !(this.ownCalls.has(a.call) && !liveRefs.has(a.call))) continue
      try {
        await engine.login(id, a.tenants.filter((t) => agent.tenants.includes(t)))
        if (a.state === 'paused') await engine.pause(id, a.reason || 'restored')
        counts.agents++
      } catch (err) {
        if (!(err instanceof AcdError && err.code === 'ALREADY_LOGGED_IN')) log.warn({ err, agent: id }, "an agent's session could not be restored")
      }
    }
    log.warn({ pool, ...counts }, 'the ACD state was lost with Redis: what this instance holds is told again')
  }
}
