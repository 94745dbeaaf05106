import type { RedisLike } from '../redis/connect'
import { keys } from '../acd/keys'
import type { Notice } from '../acd/types'
import type { Logger } from '../telemetry/logger'

/** How long one blocking read waits before looking again (seconds). */
const BLOCK_SECONDS = 1

/**
 * Offers and notices other instances queued for this instance's calls, one blocking reader per
 * agent pool on a connection of its own (a pool's list is never read behind another pool's wait;
 * in a Redis Cluster each pool's list lives in its own slot). `follow` starts readers for pools a
 * configuration adds and stops those of pools it removes.
 */
export class OfferListener {
  private readonly readers = new Map<string, { conn: RedisLike; stopped: boolean }>()

  constructor(
    private readonly redis: RedisLike,
    private readonly instanceId: string,
    private readonly deliver: (n: Notice) => void,
    private readonly log: Logger,
  ) {}

  get pools(): string[] {
    return [...this.readers.keys()]
  }

  follow(pools: string[]): void {
    for (const [pool, reader] of this.readers) {
      if (pools.includes(pool)) continue
      reader.stopped = true
      reader.conn.disconnect()
      this.readers.delete(pool)
    }
    for (const pool of pools) {
      if (this.readers.has(pool)) continue
      const reader = { conn: this.redis.duplicate(), stopped: false }
      reader.conn.on('error', (err) => this.log.debug({ err: err.message, pool }, 'offer reader: redis error'))
      this.readers.set(pool, reader)
      void this.read(pool, reader)
    }
  }

  private async read(pool: string, reader: { conn: RedisLike; stopped: boolean }): Promise<void> {
    const key = keys.offers(pool, this.instanceId)
    while (!reader.stopped) {
      try {
        const item = await reader.conn.blpop(key, BLOCK_SECONDS)
        if (item) this.deliver(JSON.parse(item[1]) as Notice)
      } catch {
        if (!reader.stopped) await new Promise((r) => setTimeout(r, 500))
      }
    }
  }

  stop(): void {
    this.follow([])
  }
}
