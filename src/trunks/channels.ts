import { join } from 'node:path'
import type { RedisLike } from '../redis/connect'
import { keys, poolPrefix } from '../acd/keys'
import { defineScripts, type ScriptCaller } from '../acd/scripts'
import type { PlatformConfig, Trunk } from '../config/model'

export type Direction = 'in' | 'out'

export const TRUNK_LUA_DIR = join(__dirname, 'lua')
export const TRUNK_SCRIPT_NAMES = ['acquire', 'sweep'] as const
type TrunkScript = (typeof TRUNK_SCRIPT_NAMES)[number]

/**
 * Per-trunk channel counts shared by every instance: one hash per trunk and direction, call id →
 * the instance holding it, in the pool slot of the trunk's tenant (keys.trunkChannels). Taking a
 * channel is atomic against the cap; every ending releases it; channels of instances whose
 * heartbeat (keys.alive) expired are released by `sweep`.
 */
export class TrunkChannels {
  private readonly scripts: Record<TrunkScript, ScriptCaller<number>>

  constructor(
    private readonly redis: RedisLike,
    private config: PlatformConfig,
    private readonly instanceId: string,
  ) {
    this.scripts = defineScripts<TrunkScript, number>(redis, 'trunk', TRUNK_LUA_DIR, TRUNK_SCRIPT_NAMES)
  }

  setConfig(config: PlatformConfig): void {
    this.config = config
  }

  private poolOf(trunk: Trunk): string {
    return this.config.tenants.get(trunk.tenant)!.pool
  }

  key(trunk: Trunk, direction: Direction): string {
    return keys.trunkChannels(this.poolOf(trunk), trunk.tenant, trunk.id, direction)
  }

  async acquire(trunk: Trunk, direction: Direction, callId: string): Promise<boolean> {
    const cap = direction === 'in' ? trunk.maxInbound : trunk.maxOutbound
    return (await this.scripts.acquire(poolPrefix(this.poolOf(trunk)), trunk.tenant, trunk.id, direction, callId, this.instanceId, cap)) === 1
  }

  async release(trunk: Trunk, direction: Direction, callId: string): Promise<void> {
    await this.redis.hdel(this.key(trunk, direction), callId)
  }

  async count(trunk: Trunk, direction: Direction): Promise<number> {
    return this.redis.hlen(this.key(trunk, direction))
  }

  /**
   * Marks this instance alive in every pool for `ttlMs`; call it more often than that. One SET per
   * pool (each in its pool's slot, so on its own master in a cluster): a pool's sweep reads only
   * that pool's heartbeat, so the pools need not be written together.
   */
  async heartbeat(ttlMs: number): Promise<void> {
    const pools = new Set([...this.config.tenants.values()].map((t) => t.pool))
    await Promise.all([...pools].map((pool) => this.redis.set(keys.alive(pool, this.instanceId), String(Date.now()), 'PX', ttlMs)))
  }

  /** Releases channels held by instances without a live heartbeat; returns how many. */
  async sweep(): Promise<number> {
    let released = 0
    for (const tenant of this.config.tenants.values()) {
      for (const trunk of tenant.trunks) {
        for (const direction of ['in', 'out'] as const) {
          released += await this.scripts.sweep(poolPrefix(this.poolOf(trunk)), trunk.tenant, trunk.id, direction)
        }
      }
    }
    return released
  }
}
