// bench:acd — ACD operations per second and latency with 1,000 agents, 100 tenants, 50 skills
// and 5,000 waiting calls, against redis-benchmark's EVALSHA rate on the same Redis, same concurrency.
import { spawnSync } from 'node:child_process'
import Redis from 'ioredis'
import { AcdEngine } from '../acd/engine'
import type { Notice } from '../acd/types'
import { parseConfig } from '../config/load'
import { PrivateRedis } from '../redis/private-server'
import { Rng } from '../sim/random'

const TENANTS = 100
const POOL_SIZE = 10 // tenants per agent pool
const SKILLS = 50
const AGENTS = 1000
const BACKLOG = 5000
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16)
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10)

function platformYaml(): string {
  const rng = new Rng(7)
  const lines = ['tenants:']
  for (let t = 0; t < TENANTS; t++) {
    // 50 skill names shared out: tenant t declares 3 of them
    const skills = [0, 1, 2].map((k) => `skill-${(t * 3 + k) % SKILLS}`)
    lines.push(
      `  - id: t${t}`,
      `    name: Tenant ${t}`,
      `    timezone: Europe/Paris`,
      `    pool: pool${Math.floor(t / POOL_SIZE)}`,
      `    skills: [${skills.join(', ')}]`,
      `    queues:`,
      `      - { id: q0, skills: [{ skill: ${skills[0]}, min_level: 2 }], strategy: longest-idle, wrap_up_seconds: 0, ring_timeout_seconds: 3600, max_length: 100000, max_wait_seconds: 86400 }`,
      `      - { id: q1, skills: [{ skill: ${skills[1]}, min_level: 2 }, { skill: ${skills[2]}, min_level: 1 }], strategy: fewest-calls, wrap_up_seconds: 0, ring_timeout_seconds: 3600, max_length: 100000, max_wait_seconds: 86400 }`,
    )
  }
  lines.push('agents:')
  for (let a = 0; a < AGENTS; a++) {
    const home = a % TENANTS
    const pool = Math.floor(home / POOL_SIZE)
    const other = pool * POOL_SIZE + ((home + 1 + rng.int(POOL_SIZE - 1)) % POOL_SIZE)
    const served = rng.next() < 0.5 ? [home, other] : [home]
    const skills = served.map((t) => `t${t}: { ${[0, 1, 2].map((k) => `skill-${(t * 3 + k) % SKILLS}: ${2 + rng.int(8)}`).join(', ')} }`)
    lines.push(`  - { id: a${a}, tenants: [${served.map((t) => `t${t}`).join(', ')}], skills: { ${skills.join(', ')} } }`)
  }
  return lines.join('\n')
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function redisBenchmark(port: number, sha: string): number {
  const r = spawnSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', String(CONCURRENCY), '-n', '300000', '-q', 'EVALSHA', sha, '0'], {
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`)
  // Progress is printed with carriage returns: take the last "requests per second" figure.
  const matches = [...r.stdout.split(/[\r\n]/).join('\n').matchAll(/([\d.]+) requests per second/g)]
  const last = matches.at(-1)
  if (!last) throw new Error(`no rate in redis-benchmark output: ${r.stdout.slice(-300)}`)
  return Number(last[1])
}

async function main(): Promise<void> {
  const server = process.env['REDIS_URL'] ? undefined : await PrivateRedis.start()
  const url = process.env['REDIS_URL'] ?? server!.url
  const port = Number(new URL(url).port || 6379)
  const config = parseConfig(platformYaml(), 'bench-platform')
  const engines: AcdEngine[] = []
  const offers: Notice[] = []
  for (let i = 0; i < CONCURRENCY; i++) {
    const e = new AcdEngine(new Redis(url), config, { instanceId: 'bench' })
    e.on('notice', (n: Notice) => offers.push(n))
    engines.push(e)
  }
  const admin = engines[0]!
  await admin.applyConfig(config)
  const queues = [...config.tenants.values()].flatMap((t) => t.queues.map((q) => [t.id, q.id] as const))
  const connected: [string, string][] = []
  let callSeq = 0

  const settle = async (engine: AcdEngine) => {
    while (offers.length) {
      const n = offers.shift()!
      if (n.type !== 'offer') continue
      await engine.answer(n.tenant, n.call, n.agents[0]!)
      connected.push([n.tenant, n.call])
    }
  }

  process.stderr.write(`setting up ${TENANTS} tenants, ${SKILLS} skills, ${AGENTS} agents, ${BACKLOG} waiting calls ...\n`)
  for (const agent of config.agents.keys()) await admin.login(agent)
  const rng = new Rng(11)
  let waiting = 0
  while (connected.length < AGENTS || waiting < BACKLOG) {
    const [tenant, queue] = queues[rng.int(queues.length)]!
    const r = await admin.enqueue({ tenant, queue, callId: `c${++callSeq}` })
    if (r.state === 'waiting') waiting++
    await settle(admin)
    if (callSeq > (AGENTS + BACKLOG) * 3) break
  }
  process.stderr.write(`  ${connected.length} agents on a call, ${waiting} calls waiting\n`)

  // Baseline: a trivial script by EVALSHA at the same concurrency on the same Redis.
  const sha = (await admin.redis.script('LOAD', 'return 1')) as string
  const baseline = redisBenchmark(port, sha)

  // Measured mix, per worker loop: enqueue a new call; complete a connected call, which hands the
  // freed agent the best waiting call (reserve) in the same step; answer that offer.
  const latencies = new Float64Array(5_000_000)
  let ops = 0
  let cycles = 0
  let measuring = false
  const timed = async <T>(f: () => Promise<T>): Promise<T> => {
    const t0 = process.hrtime.bigint()
    const r = await f()
    if (measuring && ops < latencies.length) latencies[ops++] = Number(process.hrtime.bigint() - t0) / 1e6
    return r
  }
  let stop = false
  const worker = async (engine: AcdEngine, wr: Rng) => {
    while (!stop) {
      const [tenant, queue] = queues[wr.int(queues.length)]!
      await timed(() => engine.enqueue({ tenant, queue, callId: `c${++callSeq}` }))
      const idx = wr.int(connected.length)
      const [ct, cid] = connected[idx]!
      connected[idx] = connected[connected.length - 1]!
      connected.pop()
      await timed(() => engine.complete(ct, cid))
      while (offers.length) {
        const n = offers.shift()!
        if (n.type !== 'offer') continue
        await timed(() => engine.answer(n.tenant, n.call, n.agents[0]!))
        connected.push([n.tenant, n.call])
      }
      if (measuring) cycles++
    }
  }
  const runs = engines.map((e, i) => worker(e, new Rng(100 + i)))
  await new Promise((r) => setTimeout(r, 2000)) // warm-up
  await admin.redis.config('RESETSTAT')
  measuring = true
  const t0 = Date.now()
  await new Promise((r) => setTimeout(r, SECONDS * 1000))
  measuring = false
  const elapsed = (Date.now() - t0) / 1000
  stop = true
  await Promise.all(runs)
  const measuredOps = ops
  const evalshaStats = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await admin.redis.info('commandstats'))
  const serverUsPerOp = evalshaStats ? Number(evalshaStats[2]) / Number(evalshaStats[1]) : NaN
  const sorted = latencies.slice(0, measuredOps).sort()
  const snapshotWaiting = (
    await Promise.all(queues.map(([t, q]) => admin.snapshot(t, q)))
  ).reduce((a, s) => a + s.waiting, 0)
  const opsPerS = measuredOps / elapsed
  const p50 = percentile(sorted, 50)
  const p99 = percentile(sorted, 99)
  console.log(
    `bench-acd detail: concurrency=${CONCURRENCY} seconds=${elapsed.toFixed(1)} cycles_per_s=${(cycles / elapsed).toFixed(0)} (enqueue + complete-and-reserve-next + answer) redis_us_per_op=${serverUsPerOp.toFixed(1)} waiting_at_end=${snapshotWaiting} agents=${AGENTS} tenants=${TENANTS} skills=${SKILLS}`,
  )
  console.log(
    `bench-acd: ops_per_s=${opsPerS.toFixed(0)} p50_ms=${p50.toFixed(3)} p99_ms=${p99.toFixed(3)} redis_evalsha_per_s=${baseline.toFixed(0)} ratio=${(opsPerS / baseline).toFixed(3)}`,
  )
  for (const e of engines) e.redis.disconnect()
  await server?.stop()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
