import { EventEmitter } from 'node:events'
import type { PlatformConfig, Queue } from '../config/model'
import { queueOf } from '../config/model'
import { laneQueueOf } from '../config/probes'
import { silentLogger, type Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { RedisLike } from '../redis/connect'
import { type Clock, systemClock } from './clock'
import { writeDefinitions } from './definitions'
import { ID_PATTERN, keys, poolPrefix } from './keys'
import { qualify } from './qualify'
import { acdScripts, type ScriptCaller, type ScriptName } from './scripts'
import { AcdError, type Notice } from './types'
import { SiteView } from '../routing/sites'
import type { Agent } from '../config/model'

export interface EngineOptions {
  /** This instance's id: offers for calls it owns come back to it. */
  instanceId: string
  clock?: Clock
  logger?: Logger
  metrics?: Metrics
}

export interface ScriptReply {
  notices: Notice[]
  [k: string]: unknown
}

/**
 * What every part of the engine stands on: the configuration in force, the pools, and running one
 * Lua script per state change (its notices emitted as 'notice' events).
 */
export class EngineCore extends EventEmitter {
  readonly instanceId: string
  readonly clock: Clock
  protected config: PlatformConfig
  protected readonly scripts: Record<ScriptName, ScriptCaller>
  protected readonly log: Logger
  protected readonly metrics: Metrics | undefined
  /** The sites' states as this instance last read them (the service's site watch keeps it). */
  readonly sites = new SiteView()

  constructor(
    readonly redis: RedisLike,
    config: PlatformConfig,
    options: EngineOptions,
  ) {
    super()
    if (!ID_PATTERN.test(options.instanceId)) throw new Error(`invalid instance id ${options.instanceId}`)
    this.instanceId = options.instanceId
    this.clock = options.clock ?? systemClock
    this.config = config
    this.scripts = acdScripts(redis)
    this.log = options.logger ?? silentLogger
    this.metrics = options.metrics
  }

  get platform(): PlatformConfig {
    return this.config
  }

  pools(): string[] {
    return [...new Set([...this.config.tenants.values()].map((t) => t.pool))]
  }

  poolOf(tenant: string): string {
    const t = this.config.tenants.get(tenant)
    if (!t) throw new AcdError('NO_SUCH_TENANT', `unknown tenant "${tenant}"`)
    return t.pool
  }

  /**
   * Writes queue definitions and pool settings to Redis, one transaction per pool (each pool's
   * keys share one hash slot: see writeDefinitions for what holds across pools), then starts
   * using the config.
   */
  async applyConfig(config: PlatformConfig): Promise<void> {
    await writeDefinitions(this.redis, config)
    this.config = config
    await this.requalifyLoggedIn()
  }

  /**
   * Agents logged in before a configuration change take the queues they qualify for now (their
   * state and call are kept); tenants an agent may no longer serve leave its session.
   * Returns how many sessions changed.
   */
  async requalifyLoggedIn(): Promise<number> {
    let changed = 0
    for (const pool of this.pools()) {
      for (const agentId of await this.redis.smembers(keys.agents(pool))) {
        const agent = this.config.agents.get(agentId)
        if (!agent) {
          this.log.warn({ agent: agentId, pool }, 'a logged-in agent is no longer in the configuration: its session is left as it is')
          continue
        }
        const stored = (await this.redis.hget(keys.agent(pool, agentId), 'tenants')) ?? ''
        const session = stored.split(',').filter((t) => agent.tenants.includes(t) && this.config.tenants.get(t)?.pool === pool)
        const quals = this.qualifications(agent, session, pool).flatMap((q) => [q.qid, `${q.step}|${q.position}|${q.level}|${q.strategy}|${q.steps}`])
        const reply = await this.run('requalify', pool, agentId, session.join(','), ...quals)
        if (reply['changed'] === true) {
          changed++
          this.log.info({ agent: agentId, tenants: session, queues: quals.length / 2 }, 'agent session follows the new configuration')
        }
      }
    }
    return changed
  }

  /** The queues an agent takes in a session: none while its site is down. */
  protected qualifications(agent: Agent, session: string[], pool: string): ReturnType<typeof qualify> {
    if (agent.site !== undefined && this.sites.stateOf(pool, agent.site).state === 'down') return []
    return qualify(this.config, agent, session)
  }

  protected async run(name: ScriptName, pool: string, ...args: (string | number)[]): Promise<ScriptReply> {
    let raw: string
    const started = this.metrics ? process.hrtime.bigint() : 0n
    try {
      raw = await this.scripts[name](poolPrefix(pool), this.instanceId, this.clock.now(), ...args)
      this.metrics?.acdOperations.inc({ operation: name, outcome: 'ok' })
    } catch (err) {
      const message = (err as Error).message ?? String(err)
      const match = /^([A-Z_]+) (.*)$/.exec(message)
      if (match && match[1] !== 'ERR' && match[1] !== 'NOSCRIPT') {
        this.metrics?.acdOperations.inc({ operation: name, outcome: match[1]! })
        throw new AcdError(match[1]!, match[2]!)
      }
      this.metrics?.acdOperations.inc({ operation: name, outcome: 'error' })
      this.log.error({ err, operation: name, pool }, 'ACD operation failed')
      throw err
    } finally {
      if (this.metrics) this.metrics.acdOperationSeconds.observe({ operation: name }, Number(process.hrtime.bigint() - started) / 1e9)
    }
    const reply = JSON.parse(raw) as ScriptReply
    // cjson encodes an empty table as {}
    const notices = Array.isArray(reply.notices) ? reply.notices : []
    for (const n of notices) this.dispatchNotice(n)
    return reply
  }

  protected dispatchNotice(n: Notice): void {
    if (n.type === 'offer' && !Array.isArray(n.agents)) n.agents = []
    this.emit('notice', n)
  }

  protected queue(tenant: string, queue: string): Queue {
    const q = queueOf(this.config, tenant, queue) ?? laneQueueOf(this.config, tenant, queue)
    if (!q) throw new AcdError('NO_SUCH_QUEUE', `tenant "${tenant}" has no queue "${queue}"`)
    return q
  }

  protected checkId(kind: string, id: string): void {
    if (!ID_PATTERN.test(id)) throw new AcdError('BAD_ID', `invalid ${kind} id ${JSON.stringify(id)}`)
  }

}
