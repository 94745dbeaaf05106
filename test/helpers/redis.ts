import type { Test } from 'tap'
import type Redis from 'ioredis'
import { PrivateRedis } from '../../src/redis/private-server'

/**
 * Starts a private redis-server for this test file and stops it at the end. `persistent`: with
 * its append-only file synced on every write, so that a restart keeps every state change.
 */
export async function withRedis(t: Test, opts: { persistent?: boolean } = {}): Promise<{ server: PrivateRedis; redis: Redis }> {
  const server = await PrivateRedis.start(opts.persistent ? { args: ['--appendonly', 'yes', '--appendfsync', 'always'] } : {})
  const redis = server.client()
  // tests stop and restart the server on purpose: a command fails then, the event is not news
  redis.on('error', () => undefined)
  t.teardown(async () => {
    redis.disconnect()
    await server.stop()
  })
  return { server, redis }
}
