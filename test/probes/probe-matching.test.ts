// The probe matching rule on real Redis: a probe call waits in its probe's lane of the queue and
// goes to that probe's agent only; the probe agent takes nothing else; the queue's figures never
// see a probe call.
import t, { type Test } from 'tap'
import { ManualClock } from '../../src/acd/clock'
import { AcdEngine } from '../../src/acd/engine'
import { keys, poolPrefix } from '../../src/acd/keys'
import type { Notice, OfferNotice } from '../../src/acd/types'
import { parseConfig } from '../../src/config/load'
import { probeAgentId, probeLane } from '../../src/config/probes'
import { Metrics } from '../../src/telemetry/metrics'
import { withRedis } from '../helpers/redis'

const YAML = `
tenants:
  - id: acme
    name: Acme
    timezone: Europe/Paris
    pool: shared
    skills: [sales]
    trunks: [{ id: acme-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 5, max_outbound: 0 }]
    ddis: [{ number: "+33972000001", queue: sales }, { number: "+33972000002", queue: team }]
    queues:
      - { id: sales, skills: [{ skill: sales, min_level: 1 }], strategy: longest-idle, wrap_up_seconds: 0 }
      - { id: team, skills: [], strategy: ring-all, wrap_up_seconds: 0 }
    probes:
      - { id: sales-line, ddi: "+33972000001", queue: sales, every_seconds: 60, timeout_seconds: 10 }
      - { id: sales-two, ddi: "+33972000001", queue: sales }
      - { id: team-line, ddi: "+33972000002", queue: team }
  - id: globex
    name: Globex
    timezone: Europe/London
    pool: shared
    skills: [sales]
    trunks: [{ id: globex-carrier, allowed_sources: [127.0.0.3/32], max_inbound: 5, max_outbound: 0 }]
    ddis: [{ number: "+33972000011", queue: sales }]
    queues:
      - { id: sales, skills: [{ skill: sales, min_level: 1 }], strategy: longest-idle, wrap_up_seconds: 0 }
    probes:
      - { id: sales-line, ddi: "+33972000011", queue: sales }
agents:
  - { id: a1, tenants: [acme], skills: { acme: { sales: 5 } } }
  - { id: g1, tenants: [globex], skills: { globex: { sales: 5 } } }
`

async function fixture(t: Test) {
  const { redis } = await withRedis(t)
  const config = parseConfig(YAML, 'probes.yaml')
  const metrics = new Metrics()
  const engine = new AcdEngine(redis, config, { instanceId: 'test', clock: new ManualClock(1_000_000), metrics })
  await engine.applyConfig(config)
  const notices: Notice[] = []
  engine.on('notice', (n: Notice) => notices.push(n))
  const offers = () => notices.filter((n): n is OfferNotice => n.type === 'offer').map((o) => [o.call, o.agents.join(',')])
  return { redis, config, engine, offers, metrics }
}

const lane = probeLane('sales', 'sales-line')
const probeAgent = probeAgentId('acme', 'sales-line')

t.test('a probe call is not offered to a customer agent, and waits for its probe agent', async (t) => {
  const { engine, offers } = await fixture(t)
  t.equal(await engine.login('a1'), 'available')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: lane, callId: 'p1', attributes: { probe: 'sales-line' } })).state, 'waiting')
  t.same(offers(), [], 'a1 is free and qualified for sales, yet not offered the probe call')
  t.equal(await engine.login(probeAgent), 'reserved', 'the probe agent takes it at login')
  t.same(offers(), [['p1', probeAgent]])
  t.equal((await engine.agentState('a1')).state, 'available')
})

t.test('a customer call is not offered to a probe agent, and a probe agent takes only its own probe', async (t) => {
  const { engine, offers } = await fixture(t)
  for (const p of ['sales-line', 'sales-two']) t.equal(await engine.login(probeAgentId('acme', p)), 'available')
  t.equal(await engine.login(probeAgentId('globex', 'sales-line')), 'available')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c1' })).state, 'waiting', 'three probe agents free: the customer call waits')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'team', callId: 'c2' })).state, 'waiting', 'a ring-all queue without skills does not ring probe agents either')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: probeLane('sales', 'sales-two'), callId: 'p2' })).state, 'reserved')
  t.same(offers(), [['p2', probeAgentId('acme', 'sales-two')]], "the other probe's agent and the other tenant's are not offered it")
  t.equal(await engine.login('a1'), 'reserved')
  t.same(offers().at(-1), ['c1', 'a1'])
})

t.test('probe calls leave the queue figures and the business metrics untouched', async (t) => {
  const { engine, metrics, redis } = await fixture(t)
  await engine.login(probeAgent)
  await engine.enqueue({ tenant: 'acme', queue: lane, callId: 'p1' })
  await engine.answer('acme', 'p1', probeAgent)
  await engine.complete('acme', 'p1', 'caller')
  await engine.enqueue({ tenant: 'acme', queue: lane, callId: 'p2' })
  await engine.hangup('acme', 'p2')
  await engine.logout(probeAgent)
  await engine.enqueue({ tenant: 'acme', queue: lane, callId: 'p3' })
  await engine.abandon('acme', 'p3')
  const snap = await engine.snapshot('acme', 'sales')
  for (const f of ['offered', 'answered', 'answered_in_sl', 'abandoned', 'completed']) t.notOk(snap.stats[f], `sales counted no ${f}: ${JSON.stringify(snap.stats)}`)
  const laneStats = await redis.hgetall(keys.queueStats('shared', 'acme', lane))
  t.match(laneStats, { offered: '3', answered: '1', abandoned: '2' }, "the lane's own counters hold them")
  const text = await metrics.registry.metrics()
  t.notMatch(text, /acd_calls_(offered|answered|abandoned)_total\{/, 'no business metric series for the probe calls')
  t.equal((await engine.agentState(probeAgent)).state, 'logged-out')
})

t.test('the Lua matching keeps the rule even when an agent is given a lane by mistake', async (t) => {
  const { engine, offers } = await fixture(t)
  // a customer agent logged in straight through the script with the lane among its queues
  const scripts = (engine as unknown as { scripts: Record<string, (...a: (string | number)[]) => Promise<string>> }).scripts
  await scripts['login']!(poolPrefix('shared'), 'test', 1_000_000, 'a1', 'acme', `acme/${lane}`, '0|0|0|longest-idle|1')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: lane, callId: 'p1' })).state, 'waiting', 'the probe call is not offered to a1')
  await scripts['login']!(poolPrefix('shared'), 'test', 1_000_000, probeAgent, 'acme', 'acme/sales', '0|0|5|longest-idle|1')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c1' })).state, 'waiting', 'nor the customer call to the probe agent')
  t.same(offers(), [])
})
