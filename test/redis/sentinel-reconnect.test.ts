// A Sentinel connection whose connector is disconnected while it asks a sentinel for the master
// (what ioredis' failover detector does when +switch-master arrives during a reconnection): plain
// ioredis ends the connection for good; the service's connection connects again, duplicates too.
import t from 'tap'
import Redis from 'ioredis'
import { connectRedis, type RedisLike } from '../../src/redis/connect'
import { hasRedisServer } from '../../src/redis/private-server'
import { PrivateSentinelGroup } from '../../src/redis/private-ha'
import { readRedisSettings } from '../../src/redis/settings'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Reconnects `c` and cuts its connector while it resolves the master; returns its status 1.5 s later. */
async function cutWhileResolving(c: RedisLike): Promise<string> {
  await new Promise<void>((resolve) => (c.status === 'ready' ? resolve() : c.once('ready', () => resolve())))
  c.once('connecting', () => (c as unknown as { connector: { disconnect(): void } }).connector.disconnect())
  c.disconnect(true)
  await sleep(1500)
  return c.status
}

t.test('a Sentinel connection cut while it resolves the master connects again', { skip: !hasRedisServer() && 'redis-server missing' }, async (t) => {
  const group = await PrivateSentinelGroup.start()
  t.teardown(() => group.stop())
  const settings = readRedisSettings(group.env)
  if (settings.mode !== 'sentinel') throw new Error('not sentinel settings')

  const plain = new Redis({ sentinels: settings.sentinels, name: settings.masterName, failoverDetector: true, maxRetriesPerRequest: null, retryStrategy: () => 50 })
  plain.on('error', () => undefined)
  t.teardown(() => plain.disconnect())
  t.equal(await cutWhileResolving(plain), 'end', 'plain ioredis: the connection ended for good (the failure this guards against)')

  const conn = connectRedis(settings, { retryStrategy: () => 50 })
  conn.on('error', () => undefined)
  t.teardown(() => conn.disconnect())
  t.equal(await cutWhileResolving(conn), 'ready', "the service's connection is ready again")
  t.equal(await conn.set('k', 'v'), 'OK', 'and takes commands')

  const dup = (conn as Redis).duplicate()
  dup.on('error', () => undefined)
  t.teardown(() => dup.disconnect())
  t.equal(await cutWhileResolving(dup), 'ready', 'a duplicate (an offer reader) too')

  conn.disconnect()
  await sleep(300)
  t.equal(conn.status, 'end', 'closed by its owner, it stays closed')
})
