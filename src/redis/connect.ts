import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis'
import type { RedisSettings } from './settings'

/**
 * A connection the ACD works on: one Redis server (standalone, or the master Sentinel names), or
 * a Redis Cluster. Every command the engine, the trunk channels, the registrar and the offer
 * readers send names keys of one pool only (one hash slot, `acd:{<pool>}`), so they run on either.
 */
export type RedisLike = Redis | Cluster

export function isCluster(redis: RedisLike): redis is Cluster {
  return redis instanceof Cluster
}

export interface ConnectOptions {
  /** Delay before reconnecting (ms), by attempt; told every attempt (the service logs them). */
  retryStrategy?: (attempt: number) => number
}

/**
 * A connection through Sentinel that connects again when ioredis ends it by itself. ioredis ends a
 * Sentinel connection for good (status `end`, every command then refused with "Connection is
 * closed.") when its connector is disconnected while it asks a sentinel for the master: the
 * failover detector of the connection before does so when `+switch-master` arrives during a
 * reconnection, which a crashed master makes likely. Only `disconnect()` or `quit()` by its owner
 * ends it; its duplicates (the offer readers) are of the same kind.
 */
export class SentinelRedis extends Redis {
  private closedByOwner = false

  constructor(
    options: RedisOptions,
    private readonly retry: (attempt: number) => number,
  ) {
    super(options)
    this.on('end', () => {
      if (this.closedByOwner) return
      setTimeout(() => {
        if (!this.closedByOwner && this.status === 'end') this.connect().catch(() => undefined)
      }, retry(1))
    })
  }

  override disconnect(reconnect = false): void {
    if (!reconnect) this.closedByOwner = true
    super.disconnect(reconnect)
  }

  override quit(callback?: Parameters<Redis['quit']>[0]): ReturnType<Redis['quit']> {
    this.closedByOwner = true
    return super.quit(callback)
  }

  override duplicate(override?: Partial<RedisOptions>): SentinelRedis {
    return new SentinelRedis({ ...this.options, ...override }, this.retry)
  }
}

/** A write sent to a master that became a replica: reconnect (through Sentinel) and send it again. */
const READONLY = (err: Error): 2 | false => (err.message.startsWith('READONLY') ? 2 : false)

/**
 * Connects as the settings say. Commands wait for a lost connection to come back
 * (`maxRetriesPerRequest: null`): a command in flight when it was lost is sent again after the
 * reconnection (ioredis' default), and a Lua script is loaded again on a server that lacks it.
 *
 * Sentinel: the master is asked of the sentinels at every (re)connection, and the connection is
 * dropped at once when a sentinel announces a failover (`+switch-master`: ioredis' failover
 * detector) or when the server it reaches is no longer a master (READONLY, or a role check at
 * connection), so it follows the failover. `duplicate()` of it does the same.
 * Cluster: ioredis' Cluster client, following MOVED/ASK redirections and slot changes.
 */
export function connectRedis(settings: RedisSettings, options: ConnectOptions = {}): RedisLike {
  const retryStrategy = options.retryStrategy ?? ((attempt: number) => Math.min(2000, 100 * attempt))
  const common: RedisOptions = { maxRetriesPerRequest: null, retryStrategy }
  if (settings.mode === 'standalone') return new Redis(settings.url, common)
  if (settings.mode === 'sentinel') {
    return new SentinelRedis({
      ...common,
      sentinels: settings.sentinels,
      name: settings.masterName,
      password: settings.password,
      sentinelPassword: settings.sentinelPassword,
      failoverDetector: true,
      reconnectOnError: READONLY,
      sentinelRetryStrategy: retryStrategy,
    }, retryStrategy)
  }
  const cluster: ClusterOptions = {
    redisOptions: { password: settings.password, maxRetriesPerRequest: null },
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue: true,
    // a node lost or a slot moving: try again rather than fail the ACD operation
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 100,
    maxRedirections: 32,
  }
  return new Cluster(settings.nodes, cluster)
}

/** The servers holding data: every master of a cluster, or the one server. */
export function mastersOf(redis: RedisLike): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis]
}

/**
 * Every key matching `match`, by SCAN on every master (a cluster spreads keys over its masters:
 * SCAN or KEYS on one node sees only that node's slots). For tools and checks, not for the
 * call path.
 */
export async function scanKeys(redis: RedisLike, match: string, count = 500): Promise<string[]> {
  const found = new Set<string>()
  for (const node of mastersOf(redis)) {
    let cursor = '0'
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', count)
      for (const k of batch) found.add(k)
      cursor = next
    } while (cursor !== '0')
  }
  return [...found]
}
