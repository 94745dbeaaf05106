import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { parseConfig } from '../../src/config/load'
import { FUZZ_QUEUES, FUZZ_YAML } from '../helpers/fuzz-config'
import { checkInvariants, dumpPool } from '../helpers/invariants'
import { withRedis } from '../helpers/redis'

const WORKERS = 4
const OPS_PER_WORKER = 1500

function runWorker(url: string, id: string, seed: number): Promise<{ enqueued: string[]; expectedErrors: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fuzz-worker.ts'), url, id, String(OPS_PER_WORKER), String(seed)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (b) => (out += b))
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? ''
      try {
        const parsed = JSON.parse(last)
        if (code !== 0 || parsed.fatal) reject(new Error(`worker ${id} failed: ${parsed.fatal ?? code}`))
        else resolve(parsed)
      } catch {
        reject(new Error(`worker ${id} exited ${code} with output ${out.slice(-500)}`))
      }
    })
  })
}

t.test('several engine processes on one Redis keep the ACD consistent', async (t) => {
  const { redis, server } = await withRedis(t)
  const config = parseConfig(FUZZ_YAML, 'fuzz.yaml')
  const admin = new AcdEngine(redis, config, { instanceId: 'checker' })
  await admin.applyConfig(config)

  let checks = 0
  const violations: string[] = []
  let running = true
  const checker = (async () => {
    while (running) {
      const bad = checkInvariants(await dumpPool(redis, 'fz'), 'fz')
      checks++
      violations.push(...bad.map((b) => `during run: ${b}`))
      await new Promise((r) => setTimeout(r, 20))
    }
  })()
  const seed = Number(process.env['ACD_FUZZ_SEED'] ?? Date.now() % 100000)
  t.comment(`seed ${seed} (set ACD_FUZZ_SEED to replay)`)
  const results = await Promise.all(Array.from({ length: WORKERS }, (_, i) => runWorker(server.url, `w${i}`, seed + i * 7919)))
  running = false
  await checker
  t.ok(checks >= 5, `invariants checked ${checks} times during the run`)
  t.same(violations.slice(0, 10), [], 'no invariant broken during the run')

  // Let every timer run out, then check again at rest.
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50))
    const { nextDue } = await admin.tick(10_000)
    if (nextDue === undefined || nextDue > Date.now() + 5000) break
  }
  t.same(checkInvariants(await dumpPool(redis, 'fz'), 'fz'), [], 'no invariant broken at rest')

  // Every call is accounted for exactly once: still in the ACD, or ended by exactly one terminal event.
  const enqueued = results.flatMap((r) => r.enqueued)
  t.ok(enqueued.length > 1000, `${enqueued.length} calls enqueued`)
  const terminal = new Map<string, number>()
  const connectedCount = new Map<string, number>()
  let callbacksGivenUp = 0
  for (const tenant of ['t1', 't2', 't3']) {
    for (const [, f] of await redis.xrange(keys.events('fz', tenant), '-', '+')) {
      const type = f[f.indexOf('type') + 1]!
      const ref = `${tenant}/${f[f.indexOf('call') + 1]}`
      const field = (name: string) => f[f.indexOf(name) + 1]
      const givenUp = type === 'callback_failed' && field('final') === 'yes'
      if (type === 'abandoned' || type === 'completed' || type === 'overflowed' || givenUp) terminal.set(ref, (terminal.get(ref) ?? 0) + 1)
      if (type === 'callback_failed' && field('final') === 'yes') callbacksGivenUp++
      // a callback's agent is connected once per attempt; the customer at most once
      if ((type === 'connected' && !field('callback')) || type === 'callback_connected') connectedCount.set(ref, (connectedCount.get(ref) ?? 0) + 1)
    }
  }
  const lost: string[] = []
  const twice: string[] = []
  for (const ref of enqueued) {
    const [tenant, id] = ref.split('/') as [string, string]
    const live = (await redis.exists(keys.call('fz', tenant, id))) === 1
    const ends = terminal.get(ref) ?? 0
    if (!live && ends === 0) lost.push(ref)
    if (ends > 1 || (live && ends > 0)) twice.push(ref)
  }
  t.same(lost, [], 'no call lost')
  t.same(twice, [], 'no call ended twice')
  t.same([...connectedCount].filter(([, n]) => n > 1), [], 'no call assigned (connected) twice')
  const outcomes = [...terminal.keys()].length
  t.ok(outcomes > 300, `${outcomes} calls reached an outcome`)
  const errs = results.reduce<Record<string, number>>((acc, r) => {
    for (const [k, v] of Object.entries(r.expectedErrors)) acc[k] = (acc[k] ?? 0) + v
    return acc
  }, {})
  t.comment(`refused operations by code: ${JSON.stringify(errs)}; callbacks given up: ${callbacksGivenUp}`)
  for (const [tenant, queue] of FUZZ_QUEUES) {
    const s = await admin.snapshot(tenant, queue)
    t.comment(`${tenant}/${queue}: ${JSON.stringify(s.stats)}`)
  }
})
