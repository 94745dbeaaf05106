import t, { type Test } from 'tap'
import { engineOn } from '../helpers/engine'
import { keys } from '../../src/acd/keys'

const YAML = `
tenants:
  - id: acme
    name: Acme
    timezone: Europe/Brussels
    pool: p1
    skills: [help]
    outbound_allowed: ["+32"]
    trunks: [{ id: acme-carrier, allowed_sources: [127.0.0.9/32], max_inbound: 5, max_outbound: 2, outbound_proxy: "127.0.0.9:5060" }]
    queues:
      - id: front
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        ring_timeout_seconds: 10
        overflow_rules:
          - { when: { waited_seconds: 30 }, to: { queue: second } }
          - { when: { waiting_at_least: 2 }, to: { action: voicemail } }
      - id: second
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        overflow_rules:
          - { when: { no_agents: true }, to: { number: "+32 2 555 01 01" } }
      - id: estimate
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        overflow_rules:
          - { when: { estimated_wait_seconds: 200 }, to: { action: hangup } }
      - id: offer
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        callback: { offer_after_seconds: 600 }
        overflow_rules:
          - { when: { waited_seconds: 20 }, to: { action: callback } }
          - { when: { waited_seconds: 40 }, to: { action: voicemail } }
      - id: kept
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        callback: { offer_after_seconds: 600 }
        overflow_rules:
          - { when: { no_agents: true }, to: { action: voicemail } }
agents:
  - { id: a1, tenants: [acme], skills: { acme: { help: 5 } } }
`

async function fixture(t: Test) {
  const { redis, engine, clock, notices, overflows } = await engineOn(t, YAML, { start: 5_000_000, instanceId: 'i1', file: 'rules.yaml' })
  const events = async () =>
    (await redis.xrange(keys.events('p1', 'acme'), '-', '+')).map(([, f]) => {
      const o: Record<string, string> = {}
      for (let i = 0; i < f.length; i += 2) o[f[i]!] = f[i + 1]!
      return o
    })
  const stats = async (q: string) => (await engine.snapshot('acme', q)).stats
  return { redis, engine, clock, notices, overflows, events, stats }
}

t.test('waited more than N s: the call leaves for another queue, keeps its place there and is offered once', async (t) => {
  const { engine, clock, overflows, events, stats } = await fixture(t)
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'w1', priority: 40 })).state, 'waiting')
  clock.advance(29_999)
  await engine.tick()
  t.equal(overflows().length, 0, 'not before the 30 s')
  clock.advance(1)
  await engine.tick()
  t.match(overflows(), [{ call: 'w1', queue: 'front', reason: 'waited', target: 'queue:second', enqueuedAt: 5_000_000, priority: 40 }])
  t.equal(await engine.callState('acme', 'w1'), undefined, 'the call left the first queue')
  const n = overflows()[0]!
  await engine.login('a1', ['acme'])
  await engine.pause('a1', 'lunch')
  const r = await engine.enqueue({ tenant: 'acme', queue: 'second', callId: 'w1', priority: n.priority, keepPlace: { seq: n.seq, enqueuedAt: n.enqueuedAt } })
  t.equal(r.state, 'waiting')
  t.match(await engine.callState('acme', 'w1'), { enq: '5000000', prio: '40' }, 'arrival time and priority kept across the hop')
  t.match(await stats('front'), { offered: 1, overflowed: 1 })
  const second = await stats('second')
  t.equal(second['offered'], undefined, 'not offered a second time')
  t.equal(second['overflow_in'], 1)
  t.match((await events()).filter((e) => e['type'] === 'overflowed'), [{ call: 'w1', reason: 'waited', target: 'queue:second', wait_ms: '30000' }])
})

t.test('M or more already waiting: an arriving call that finds no agent overflows at once', async (t) => {
  const { engine, overflows, stats } = await fixture(t)
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'm1' })).state, 'waiting')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'm2' })).state, 'waiting')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'm3' })).state, 'overflowed')
  t.match(overflows(), [{ call: 'm3', reason: 'waiting', target: 'voicemail' }])
  t.equal(await engine.callState('acme', 'm3'), undefined)
  t.match(await stats('front'), { offered: 3, overflowed: 1, queued: 2 })
  t.equal((await engine.snapshot('acme', 'front')).waiting, 2)
})

t.test('an arriving call an agent takes at once is not overflowed, whatever the rules', async (t) => {
  const { engine, overflows } = await fixture(t)
  await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'm1' })
  await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'm2' })
  await engine.login('a1', ['acme'])
  // a1 took m1; m2 waits alone
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'm3' })).state, 'waiting', 'one waiting: below 2')
  t.equal(overflows().length, 0)
})

t.test('no agent logged in: on arrival, and for the waiting calls when the last agent logs out', async (t) => {
  const { engine, overflows } = await fixture(t)
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'second', callId: 'n1' })).state, 'overflowed')
  t.match(overflows(), [{ call: 'n1', reason: 'no-agents', target: 'number:+3225550101' }])
  await engine.login('a1', ['acme'])
  await engine.pause('a1', 'meeting')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'second', callId: 'n2' })).state, 'waiting', 'a logged-in agent, even paused, staffs the queue')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'second', callId: 'n3' })).state, 'waiting')
  await engine.logout('a1')
  t.match(
    overflows().map((n) => [n.call, n.reason, n.target]),
    [
      ['n1', 'no-agents', 'number:+3225550101'],
      ['n2', 'no-agents', 'number:+3225550101'],
      ['n3', 'no-agents', 'number:+3225550101'],
    ],
  )
  t.equal((await engine.snapshot('acme', 'second')).waiting, 0)
})

t.test('estimated wait above X: position × mean handle time ÷ staffed agents', async (t) => {
  const { engine, overflows } = await fixture(t)
  await engine.login('a1', ['acme'])
  await engine.pause('a1', 'meeting')
  // no completed call yet: 180 s per call, 1 agent: position 1 → 180 s (≤ 200), position 2 → 360 s
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'estimate', callId: 'e1' })).state, 'waiting')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'estimate', callId: 'e2' })).state, 'overflowed')
  t.match(overflows(), [{ call: 'e2', reason: 'estimated-wait', target: 'hangup' }])
})

t.test('the callback target keeps the call in its place; the next waited rule still applies', async (t) => {
  const { engine, clock, overflows } = await fixture(t)
  await engine.enqueue({ tenant: 'acme', queue: 'offer', callId: 'c1' })
  clock.advance(20_000)
  await engine.tick()
  t.match(overflows(), [{ call: 'c1', reason: 'waited', target: 'callback' }])
  t.match(await engine.callState('acme', 'c1'), { state: 'waiting' }, 'still waiting')
  clock.advance(10_000)
  await engine.tick()
  t.equal(overflows().length, 1, 'offered once')
  clock.advance(10_000)
  await engine.tick()
  t.match(overflows()[1], { call: 'c1', reason: 'waited', target: 'voicemail' })
  t.equal(await engine.callState('acme', 'c1'), undefined)
})

t.test('a waited rule due while agents ring applies when the ring finds nobody', async (t) => {
  const { engine, clock, overflows, notices } = await fixture(t)
  await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'r1' })
  clock.advance(25_000)
  await engine.login('a1', ['acme'])
  t.ok(notices.some((n) => n.type === 'offer' && n.call === 'r1'), 'a1 rings')
  clock.advance(6_000)
  await engine.tick()
  t.equal(overflows().length, 0, 'not while ringing')
  clock.advance(4_000)
  await engine.tick()
  t.match(overflows(), [{ call: 'r1', reason: 'waited', target: 'queue:second' }], 'ring timeout: the rule applies')
})

t.test('a closed queue overflows its waiting callers; the others are untouched', async (t) => {
  const { engine, overflows } = await fixture(t)
  await engine.enqueue({ tenant: 'acme', queue: 'front', callId: 'x1' })
  await engine.enqueue({ tenant: 'acme', queue: 'estimate', callId: 'x2' })
  t.equal(await engine.overflowWaiting('acme', 'front', 'closed', 'voicemail'), 1)
  t.match(overflows(), [{ call: 'x1', reason: 'closed', target: 'voicemail' }])
  t.match(await engine.callState('acme', 'x2'), { state: 'waiting' })
  await t.rejects(engine.overflowWaiting('other', 'front', 'closed', 'voicemail'))
})

t.test('the last agent leaving moves the waiting callers, not the callbacks (nobody is on their line)', async (t) => {
  const { engine, overflows } = await fixture(t)
  await engine.login('a1', ['acme'])
  await engine.pause('a1', 'meeting')
  await engine.enqueue({ tenant: 'acme', queue: 'kept', callId: 'k1' })
  await engine.enqueue({ tenant: 'acme', queue: 'kept', callId: 'k2' })
  await engine.requestCallback('acme', 'k1', '+3225550102')
  await engine.logout('a1')
  t.match(overflows().map((n) => [n.call, n.reason, n.target]), [['k2', 'no-agents', 'voicemail']])
  t.ok(await engine.callState('acme', 'k1'), 'the callback keeps its place')
  t.equal(await engine.overflowWaiting('acme', 'kept', 'closed', 'hangup'), 0, 'and a closing sweep leaves it too')
})
