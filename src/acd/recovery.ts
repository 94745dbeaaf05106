import type { RedisLike } from '../redis/connect'
import type { Logger } from '../telemetry/logger'
import type { AcdEngine } from './engine'
import { keys } from './keys'

/** What a survivor found and did about one stopped instance. */
export interface Recovered {
  pool: string
  instance: string
  adopted: number
  released: number
  ended: number
  /** the lost calls by tenant */
  lost: Record<string, number>
}

/**
 * Instances watching each other through Redis: each lists itself among a pool's instances with its
 * heartbeat; an instance listed whose heartbeat expired has stopped, and the first survivor to see
 * it recovers what it held (engine.recoverInstance) and writes the end of each call it can no longer
 * serve into the tenant's history (`call_ended`, outcome `instance-lost`).
 */
export class InstanceWatch {
  constructor(
    private readonly redis: RedisLike,
    private readonly engine: AcdEngine,
    private readonly log: Logger,
  ) {}

  /** Lists this instance among the pools' instances (with every heartbeat). */
  async announce(): Promise<void> {
    for (const pool of this.engine.pools()) await this.redis.sadd(keys.instances(pool), this.engine.instanceId)
  }

  /** Recovers every stopped instance of every pool; returns what was done. */
  async sweep(): Promise<Recovered[]> {
    const done: Recovered[] = []
    for (const pool of this.engine.pools()) {
      for (const instance of await this.redis.smembers(keys.instances(pool))) {
        if (instance === this.engine.instanceId) continue
        if ((await this.redis.exists(keys.alive(pool, instance))) === 1) continue
        const r = await this.engine.recoverInstance(pool, instance)
        if (!r) continue
        for (const e of r.ended) {
          await this.engine
            .record(e.tenant, { type: 'call_ended', call: e.call, queue: e.queue, outcome: 'instance-lost', reason: `instance-lost:${instance}`, ended_by: 'system', agent: e.agent || undefined })
            .catch((err: unknown) => this.log.error({ err, tenant: e.tenant, call: e.call }, 'end of a lost call not recorded'))
          this.log.warn({ tenant: e.tenant, call: e.call, queue: e.queue, stage: e.stage, instance }, 'call lost with its instance')
        }
        const lost: Record<string, number> = {}
        for (const e of r.ended) lost[e.tenant] = (lost[e.tenant] ?? 0) + 1
        const item = { pool, instance, adopted: r.adopted, released: r.released, ended: r.ended.length, lost }
        this.log.warn(item, 'recovered what a stopped instance held')
        done.push(item)
      }
    }
    return done
  }
}
