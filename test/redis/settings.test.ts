import t from 'tap'
import { describeRedis, EnvError, parseHostPorts, readRedisSettings } from '../../src/redis/settings'

t.test('REDIS_URL is the default; Sentinel and Cluster from their variables', async (t) => {
  t.same(readRedisSettings({}), { mode: 'standalone', url: 'redis://127.0.0.1:6379' })
  t.same(readRedisSettings({ REDIS_URL: 'redis://:pw@10.0.0.5:6380/2' }), { mode: 'standalone', url: 'redis://:pw@10.0.0.5:6380/2' })
  t.same(readRedisSettings({ REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379,[fd00::3]:26380', REDIS_SENTINEL_MASTER: 'acd', REDIS_PASSWORD: 'pw', REDIS_SENTINEL_PASSWORD: 'spw' }), {
    mode: 'sentinel',
    sentinels: [
      { host: '10.0.0.1', port: 26379 },
      { host: '10.0.0.2', port: 26379 },
      { host: 'fd00::3', port: 26380 },
    ],
    masterName: 'acd',
    password: 'pw',
    sentinelPassword: 'spw',
  })
  t.same(readRedisSettings({ REDIS_CLUSTER_NODES: 'redis-a:7000,redis-b:7000', REDIS_URL: '' }), {
    mode: 'cluster',
    nodes: [
      { host: 'redis-a', port: 7000 },
      { host: 'redis-b', port: 7000 },
    ],
    password: undefined,
  })
  t.equal(describeRedis(readRedisSettings({ REDIS_URL: 'redis://:secret@h:1' })), 'redis://***@h:1', 'no password in the logs')
  t.equal(describeRedis(readRedisSettings({ REDIS_SENTINELS: 'a:1,b:2', REDIS_SENTINEL_MASTER: 'm', REDIS_PASSWORD: 'x' })), 'master "m" through sentinels a:1,b:2')
})

t.test('a bad setting names the variable and says why', async (t) => {
  const refused = (env: Record<string, string>, variable: string, why: RegExp) => {
    try {
      readRedisSettings(env)
      t.fail(`accepted ${JSON.stringify(env)}`)
    } catch (err) {
      t.ok(err instanceof EnvError, 'an EnvError')
      t.equal((err as EnvError).variable, variable, `${JSON.stringify(env)}: ${(err as Error).message}`)
      t.match((err as Error).message, why)
    }
  }
  refused({ REDIS_SENTINELS: 'a:26379' }, 'REDIS_SENTINEL_MASTER', /missing: with REDIS_SENTINELS, name the master set/)
  refused({ REDIS_SENTINEL_MASTER: 'acd' }, 'REDIS_SENTINEL_MASTER', /without REDIS_SENTINELS/)
  refused({ REDIS_SENTINEL_PASSWORD: 'x' }, 'REDIS_SENTINEL_PASSWORD', /without REDIS_SENTINELS/)
  refused({ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'my master' }, 'REDIS_SENTINEL_MASTER', /is not a master name/)
  refused({ REDIS_SENTINELS: 'a', REDIS_SENTINEL_MASTER: 'acd' }, 'REDIS_SENTINELS', /"a" is not host:port/)
  refused({ REDIS_SENTINELS: 'a:26379,,b:26379', REDIS_SENTINEL_MASTER: 'acd' }, 'REDIS_SENTINELS', /an empty entry/)
  refused({ REDIS_SENTINELS: 'a:26379,a:26379', REDIS_SENTINEL_MASTER: 'acd' }, 'REDIS_SENTINELS', /listed twice/)
  refused({ REDIS_CLUSTER_NODES: 'a:70000' }, 'REDIS_CLUSTER_NODES', /port 70000 .* is not 1..65535/)
  refused({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_MASTER: 'acd' }, 'REDIS_CLUSTER_NODES', /either a Sentinel-managed master or a cluster/)
  refused({ REDIS_URL: 'redis://h:6379', REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_MASTER: 'acd' }, 'REDIS_URL', /set together with REDIS_SENTINELS/)
  refused({ REDIS_URL: 'redis://h:6379', REDIS_CLUSTER_NODES: 'b:7000' }, 'REDIS_URL', /set together with REDIS_CLUSTER_NODES/)
  refused({ REDIS_PASSWORD: 'pw' }, 'REDIS_PASSWORD', /with REDIS_URL put the password in the URL/)
  refused({ REDIS_URL: 'localhost:6379' }, 'REDIS_URL', /is not a redis:\/\/ or rediss:\/\/ URL/)
  t.throws(() => parseHostPorts('X', 'h:0'), /X: port 0 of "h:0" is not 1..65535/)
})
