import type { Test } from 'tap'
import type Redis from 'ioredis'
import { PrivateRedis } from '../../src/redis/private-server'

/** Starts a private redis-server for this test file and stops it at the end. */
export async function withRedis(t: Test): Promise<{ server: PrivateRedis; redis: Redis }> {
  const server = await PrivateRedis.start()
  const redis = server.client()
  t.teardown(async () => {
    redis.disconnect()
    await server.stop()
  })
  return { server, redis }
}
