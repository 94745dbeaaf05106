import { spawn } from 'node:child_process'
import t from 'tap'
import type Redis from 'ioredis'
import { keys } from '../../src/acd/keys'
import { freePort, hasRedisServer, type PrivateRedis } from '../../src/redis/private-server'
import { hasRedisCli, PrivateCluster, PrivateSentinelGroup } from '../../src/redis/private-ha'
import { readLog, startApp } from '../../src/stack/app'
import { haPlatform } from '../helpers/ha-platform'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const skip = !hasRedisServer() && 'redis-server missing'

async function until(what: string, ms: number, f: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await f().catch(() => false)) return
    await sleep(100)
  }
  throw new Error(`${what}: not within ${ms} ms`)
}

/** Runs `command` on `server` over a connection of its own. */
async function on<T>(server: PrivateRedis, f: (r: Redis) => Promise<T>): Promise<T> {
  const probe = server.probe()
  try {
    return await f(probe)
  } finally {
    probe.disconnect()
  }
}

/** The service's clients blocked in BLPOP on `server`: its offer readers. */
const readersOn = (server: PrivateRedis) => on(server, async (r) => String(await r.client('LIST')).split('\n').filter((l) => / cmd=blpop /.test(l)).length)

function startFails(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/service/main.ts'], { env: { ...process.env, REDIS_URL: '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    proc.stderr!.on('data', (b) => (stderr += b))
    proc.on('exit', (code) => resolve({ code, stderr }))
  })
}

t.test('a bad Redis setting stops the service at start, naming the variable and why', async (t) => {
  const [sentinel, cluster] = await Promise.all([
    startFails({ REDIS_SENTINELS: '127.0.0.1:26379' }),
    startFails({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2' }),
  ])
  t.equal(sentinel.code, 1)
  t.match(sentinel.stderr, /^service not started: REDIS_SENTINEL_MASTER: missing: with REDIS_SENTINELS, name the master set/)
  t.equal(cluster.code, 1)
  t.match(cluster.stderr, /^service not started: REDIS_CLUSTER_NODES: "10.0.0.2" is not host:port/)
})

const PLATFORM = haPlatform([
  { id: 'acme', pool: 'north' },
  { id: 'globex', pool: 'south' },
  { id: 'initech', pool: 'east' },
])
const POOLS = ['north', 'south', 'east']

t.test('the service on Sentinel: ready through the sentinels, and after a failover its connections, offer readers included, are on the new master', { skip }, async (t) => {
  const group = await PrivateSentinelGroup.start({ password: 'ha-secret' })
  t.teardown(() => group.stop())
  const drachtioPort = await freePort()
  const app = await startApp(t, { configYaml: PLATFORM, drachtio: { host: '127.0.0.1', adminPort: drachtioPort, secret: 'x' }, waitHealthy: false, env: group.env })
  await until('redis ready', 15_000, async () => (await app.health())['redis'] === true)
  const first = await group.master()
  await until('configuration and heartbeats written, one offer reader per pool', 10_000, async () =>
    on(first, async (r) => (await r.exists(...POOLS.map((p) => keys.alive(p, app.instanceId)))) === 3 && (await r.exists(keys.queue('north', 'acme', 'q'))) === 1 && (await readersOn(first)) === 3),
  )
  t.pass('through the sentinels: configuration, heartbeats in every pool, three offer readers on the master')
  const failedAt = Date.now()
  const { to } = await group.failover()
  const next = await group.master()
  t.equal(next.port, to)
  await until('the service on the new master', 10_000, async () => {
    const alive = await on(next, (r) => Promise.all(POOLS.map((p) => r.get(keys.alive(p, app.instanceId)))))
    return alive.every((v) => Number(v) > failedAt) && (await readersOn(next)) === 3 && (await app.health())['redis'] === true
  })
  t.pass(`${Date.now() - failedAt} ms after SENTINEL FAILOVER: heartbeats written on the new master, its three offer readers blocked there, /health says redis up`)
  t.ok(readLog(app.logFile).some((l) => l['msg'] === 'redis is back: configuration written again' && Number(l['time']) > failedAt), 'the configuration is written again on the new master')
  t.equal(app.proc.exitCode, null, 'the service kept running')
})

t.test('the service on a Redis Cluster: configuration, heartbeats and offer readers of each pool on the master of its slot', { skip: skip || (!hasRedisCli() && 'redis-cli missing') }, async (t) => {
  const cluster = await PrivateCluster.start({ masters: 3 })
  t.teardown(() => cluster.stop())
  const drachtioPort = await freePort()
  const app = await startApp(t, { configYaml: PLATFORM, drachtio: { host: '127.0.0.1', adminPort: drachtioPort, secret: 'x' }, waitHealthy: false, env: cluster.env })
  await until('redis ready', 15_000, async () => (await app.health())['redis'] === true)
  const tenantOf: Record<string, string> = { north: 'acme', south: 'globex', east: 'initech' }
  for (const pool of POOLS) {
    const port = await cluster.ownerOf(keys.settings(pool))
    const master = cluster.servers.find((s) => s.port === port)!
    await until(`pool ${pool} written`, 10_000, async () => on(master, async (r) => (await r.exists(keys.alive(pool, app.instanceId), keys.queue(pool, tenantOf[pool]!, 'q'), keys.settings(pool))) === 3))
    t.pass(`pool ${pool}: queue definitions, settings and heartbeat on master ${port}`)
  }
  await until('one offer reader per master', 10_000, async () => (await Promise.all(cluster.servers.map(readersOn))).every((n) => n === 1))
  t.pass('each pool read by its own blocking reader, on the master of its slot')
})
