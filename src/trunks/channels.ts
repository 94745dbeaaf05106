import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type Redis from 'ioredis'
import type { PlatformConfig, Trunk } from '../config/model'
import { poolPrefix } from '../acd/keys'

export type Direction = 'in' | 'out'

const lua = (name: string) => readFileSync(join(__dirname, 'lua', `${name}.lua`), 'utf8')

type Caller = (key: string, ...args: (string | number)[]) => Promise<number>

/**
 * Per-trunk channel counts shared by every instance: one hash per trunk and direction, call id →
 * the instance holding it. Taking a channel is atomic against the cap; every ending releases it;
 * channels of instances whose heartbeat expired are released by `sweep`.
 */
export class TrunkChannels {
  private readonly acquireScript: Caller
  private readonly sweepScript: Caller

  constructor(
    private readonly redis: Redis,
    private config: PlatformConfig,
    private readonly instanceId: string,
  ) {
    redis.defineCommand('trunk_acquire', { numberOfKeys: 1, lua: lua('acquire') })
    redis.defineCommand('trunk_sweep', { numberOfKeys: 1, lua: lua('sweep') })
    const r = redis as unknown as Record<string, Caller>
    this.acquireScript = r['trunk_acquire']!.bind(redis)
    this.sweepScript = r['trunk_sweep']!.bind(redis)
  }

  setConfig(config: PlatformConfig): void {
    this.config = config
  }

  key(trunk: Trunk, direction: Direction): string {
    const pool = this.config.tenants.get(trunk.tenant)!.pool
    return `${poolPrefix(pool)}:t:${trunk.tenant}:trunk:${trunk.id}:${direction}`
  }

  private aliveKey(pool: string): string {
    return `${poolPrefix(pool)}:inst:${this.instanceId}:alive`
  }

  async acquire(trunk: Trunk, direction: Direction, callId: string): Promise<boolean> {
    const cap = direction === 'in' ? trunk.maxInbound : trunk.maxOutbound
    return (await this.acquireScript(this.key(trunk, direction), callId, this.instanceId, cap)) === 1
  }

  async release(trunk: Trunk, direction: Direction, callId: string): Promise<void> {
    await this.redis.hdel(this.key(trunk, direction), callId)
  }

  async count(trunk: Trunk, direction: Direction): Promise<number> {
    return this.redis.hlen(this.key(trunk, direction))
  }

  /** Marks this instance alive in every pool for `ttlMs`; call it more often than that. */
  async heartbeat(ttlMs: number): Promise<void> {
    const pools = new Set([...this.config.tenants.values()].map((t) => t.pool))
    const multi = this.redis.multi()
    for (const pool of pools) multi.set(this.aliveKey(pool), String(Date.now()), 'PX', ttlMs)
    await multi.exec()
  }

  /** Releases channels held by instances without a live heartbeat; returns how many. */
  async sweep(): Promise<number> {
    let released = 0
    for (const tenant of this.config.tenants.values()) {
      for (const trunk of tenant.trunks) {
        for (const direction of ['in', 'out'] as const) {
          released += await this.sweepScript(this.key(trunk, direction), `${poolPrefix(tenant.pool)}:inst:`)
        }
      }
    }
    return released
  }
}
