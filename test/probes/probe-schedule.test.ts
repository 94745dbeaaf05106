// The probes' schedule on real Redis with two instances: one run per probe and tick across them,
// the result in every instance's acd_probe_up, no run taken by an instance that cannot run it.
import t from 'tap'
import { keys } from '../../src/acd/keys'
import { parseConfig } from '../../src/config/load'
import type { Probe } from '../../src/config/probes'
import { ProbeScheduler } from '../../src/probes/scheduler'
import type { ProbeResult } from '../../src/probes/runner'
import { silentLogger } from '../../src/telemetry/logger'
import { Metrics } from '../../src/telemetry/metrics'
import { withRedis } from '../helpers/redis'

const YAML = `
tenants:
  - id: acme
    name: Acme
    timezone: Europe/Paris
    pool: p
    skills: [sales]
    trunks: [{ id: acme-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 5, max_outbound: 0 }]
    ddis: [{ number: "+33972000001", queue: sales }]
    queues: [{ id: sales, skills: [{ skill: sales, min_level: 1 }], strategy: longest-idle }]
    probes: [{ id: line, ddi: "+33972000001", queue: sales, every_seconds: 60, timeout_seconds: 10 }]
`

t.test('two instances: one run per tick, its result shown by both', async (t) => {
  const { redis } = await withRedis(t)
  const config = parseConfig(YAML, 'probes.yaml')
  let now = 60_000 * 1000 + 5 // tick 1000, 5 ms in
  const runs: Array<{ instance: string; tick: number; nonce: string }> = []
  let outcome: ProbeResult = { ok: true, setupMs: 1234 }
  const instance = (name: string, canRun = () => true) => {
    const metrics = new Metrics()
    const own = redis.duplicate()
    t.teardown(() => own.disconnect())
    const s = new ProbeScheduler({
      redis: own,
      config: () => config,
      metrics,
      log: silentLogger,
      now: () => now,
      canRun,
      run: async (_p: Probe, tick, nonce) => {
        runs.push({ instance: name, tick, nonce })
        return outcome
      },
    })
    return { s, metrics }
  }
  let bReady = false
  const a = instance('a', () => true)
  const b = instance('b', () => bReady)
  const idle = async () => {
    for (let i = 0; i < 50 && (a.s.runs > 0 || b.s.runs > 0); i++) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 30))
  }
  const up = async (m: Metrics) => (await m.probeUp.get()).values.find((v) => v.labels.probe === 'line')?.value

  await Promise.all([b.s.step(), a.s.step(), b.s.step(), a.s.step()])
  await idle()
  t.same(runs.map((r) => [r.instance, r.tick]), [['a', 1000]], 'b cannot run probes now: it took nothing, a ran tick 1000 once')
  t.equal(await redis.get(keys.probeRun('p', 'acme', 'line', 1000)), runs[0]!.nonce, "the run's nonce is the one its call carries")
  t.ok((await redis.pttl(keys.probeRun('p', 'acme', 'line', 1000))) > 60_000, 'kept for the period and the time-out')

  bReady = true
  now += 30_000
  await Promise.all([a.s.step(), b.s.step()])
  await idle()
  t.equal(runs.length, 1, 'the same tick is not run again, by either')

  now += 30_000 // tick 1001
  outcome = { ok: false, reason: 'refused', detail: '503 trunk-full' }
  await Promise.all([b.s.step(), a.s.step()])
  await idle()
  t.same(runs.map((r) => r.tick), [1000, 1001], 'tick 1001 run once, by whichever instance took it')
  const ranB = runs[1]!.instance === 'b'
  const runner = ranB ? b : a
  const other = ranB ? a : b
  t.equal(await up(runner.metrics), 0, 'the instance that ran it shows the failure')
  t.match(await redis.hgetall(keys.probeLast('p', 'acme', 'line')), { tick: '1001', result: 'refused', reason: '503 trunk-full', setup_ms: '' })
  now += 5_000
  await other.s.step()
  t.equal(await up(other.metrics), 0, 'the other instance shows it too, from the last result in Redis')
  const counts = async (m: Metrics) => (await m.probeRuns.get()).values.map((v) => `${v.labels.result}=${v.value}`).sort()
  t.same([...(await counts(a.metrics)), ...(await counts(b.metrics))].sort(), ['refused=1', 'success=1'], 'each run counted once, by the instance that made it')
  t.equal((await a.metrics.probeSetupSeconds.get()).values.find((v) => v.metricName === 'acd_probe_setup_seconds_sum')?.value, 1.234, 'setup time of the success, in seconds')
})
