// bench:soak — a steady rate of calls across two instances of the service (each with its own
// drachtio-server, one Redis) for a long while, and whether memory stays flat: the services' RSS
// and Redis's used memory at the start (after a warm-up) and at the end, and what is left behind.
//
// Progress goes to stderr; the last line on stdout:
//   bench-soak: calls=N failed=N rss_start_mb=N rss_end_mb=N redis_mb_start=N redis_mb_end=N
// (rss: the larger of the two services; the run fails when calls are left held, trunk channels
// taken or agents not available once the last caller is gone).
//
// Environment: BENCH_SOAK_SECONDS (600), BENCH_SOAK_RATE (20 calls/s in all), BENCH_SOAK_AGENTS
// (100), BENCH_SOAK_TALK_MS (2000), BENCH_SOAK_WARMUP_SECONDS (30).
import { readFileSync } from 'node:fs'
import Redis from 'ioredis'
import { AcdEngine } from '../acd/engine'
import { keys } from '../acd/keys'
import { Registrar } from '../agents/registrar'
import { parseConfig } from '../config/load'
import { PrivateRedis } from '../redis/private-server'
import { startApp, type AppHandle } from '../stack/app'
import { sleep } from '../stack/child'
import { startDrachtio } from '../stack/drachtio'
import type { TestScope } from '../stack/scope'
import { startSippUas } from '../stack/sipp'
import { TrunkChannels } from '../trunks/channels'
import { benchPlatform } from './bench-platform'
import { describe, runLoad, type LoadResult } from './sipp-load'

const num = (name: string, def: number): number => {
  const n = Number(process.env[name] ?? def)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(process.env[name])}`)
  return n
}
const SECONDS = num('BENCH_SOAK_SECONDS', 600)
const RATE = num('BENCH_SOAK_RATE', 20)
const AGENTS = Math.round(num('BENCH_SOAK_AGENTS', 100))
const TALK_MS = num('BENCH_SOAK_TALK_MS', 2000)
const WARMUP_S = num('BENCH_SOAK_WARMUP_SECONDS', 30)
const TENANT = 'bench'
const DDI = '+33972000001'
const CALLER_IP = '127.0.0.2'
const AGENT_IP = '127.0.0.10'

const progress = (line: string) => process.stderr.write(`[bench-soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const stops: Array<() => unknown> = []
const scope: TestScope = { teardown: (f) => void stops.push(f), passing: () => true }
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

function rssBytes(app: AppHandle): number {
  const status = readFileSync(`/proc/${app.proc.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

async function redisUsed(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0)
}

async function main(): Promise<number> {
  const server = await PrivateRedis.start()
  stops.push(() => server.stop())
  const redis = new Redis(server.url)
  stops.push(() => redis.disconnect())
  const yaml = benchPlatform({ tenant: TENANT, callerIp: CALLER_IP, ddi: DDI, agents: AGENTS })
  const config = parseConfig(yaml, 'bench-soak.yaml')
  const drachtios = [await startDrachtio(scope), await startDrachtio(scope)]
  const apps = await Promise.all(
    drachtios.map((d, i) => startApp(scope, { configYaml: yaml, redisUrl: server.url, instanceId: `soak-${i + 1}`, drachtio: { host: d.host, adminPort: d.adminPort, secret: d.secret } })),
  )
  const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: AGENT_IP, calls: 10_000_000, timeoutMs: (SECONDS + 300) * 1000, traceMessages: false, args: ['-set', 'ring', '0', '-l', '100000'] })
  stops.push(() => phone.stop())
  const engine = new AcdEngine(redis, config, { instanceId: 'soak-observer' })
  const registrar = new Registrar(redis, config)
  const tenant = config.tenants.get(TENANT)!
  for (const id of config.agents.keys()) {
    await registrar.register(tenant, config.agents.get(id)!, `sip:${id}@${phone.address}`, AGENT_IP, 7200)
    await engine.login(id, [TENANT])
  }
  progress(`${RATE} calls/s across 2 instances for ${SECONDS} s, ${AGENTS} agents, talk ${TALK_MS} ms; warm-up ${WARMUP_S} s`)
  const loads = drachtios.map((d, i) =>
    runLoad({
      label: `soak-${i + 1}`,
      target: `${d.host}:${d.sipPort}`,
      rate: RATE / 2,
      seconds: SECONDS,
      callerIp: CALLER_IP,
      ddi: DDI,
      talkMs: TALK_MS,
      drainMs: 40_000,
      progress,
      onInterrupt: (stop) => (stops.push(stop), () => undefined),
    }),
  )
  await sleep(WARMUP_S * 1000)
  const start = { rss: Math.max(...apps.map(rssBytes)), redis: await redisUsed(redis) }
  progress(`after the warm-up: rss ${apps.map((a) => mb(rssBytes(a))).join(' / ')} MB, redis ${mb(start.redis)} MB`)
  const results: LoadResult[] = await Promise.all(loads)
  for (const r of results) progress(describe(r))
  const end = { rss: Math.max(...apps.map(rssBytes)), redis: await redisUsed(redis) }
  const channels = new TrunkChannels(redis, config, 'soak-observer')
  await sleep(3000)
  const trunkChannels = await channels.count(tenant.trunks[0]!, 'in')
  const notAvailable = (await Promise.all([...config.agents.keys()].map((id) => engine.agentState(id)))).filter((s) => s.state !== 'available').length
  const held = (await Promise.all(apps.map((a) => a.health().then((h) => Number(h['calls']))))).reduce((a, b) => a + b, 0)
  const streams = await redis.xlen(keys.events(tenant.pool, TENANT))
  progress(`left behind: trunk channels ${trunkChannels}, agents not available ${notAvailable}, calls held ${held}; history entries ${streams}`)
  const calls = results.reduce((n, r) => n + r.successful, 0)
  const failed = results.reduce((n, r) => n + r.failed, 0)
  process.stdout.write(`bench-soak: calls=${calls} failed=${failed} rss_start_mb=${mb(start.rss)} rss_end_mb=${mb(end.rss)} redis_mb_start=${mb(start.redis)} redis_mb_end=${mb(end.redis)}\n`)
  return trunkChannels || notAvailable || held ? 1 : 0
}

main()
  .then(async (code) => {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined)
    process.exit(code)
  })
  .catch(async (err: unknown) => {
    progress(`failed: ${(err as Error).stack ?? String(err)}`)
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined)
    process.exit(1)
  })
