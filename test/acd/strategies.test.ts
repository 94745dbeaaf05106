import t from 'tap'
import type { OfferNotice } from '../../src/acd/types'
import { engineFixture } from '../helpers/engine'

// Queue acme/support: agents' support levels a1=3, a2=8, a3=5, a4=1; agent_order [a3, a1, a2] then a4.

type Fixture = Awaited<ReturnType<typeof engineFixture>>

async function loginAll(f: Fixture) {
  for (const a of ['a1', 'a2', 'a3', 'a4']) {
    await f.engine.login(a, ['acme'])
    f.clock.advance(1000)
  }
}

/** Enqueue a call, return the offered agents, then abandon it (agents released without penalty). */
async function offerOnce(f: Fixture, id: string): Promise<string[]> {
  const before = f.offers().length
  await f.engine.enqueue({ tenant: 'acme', queue: 'support', callId: id })
  const offer = f.offers()[before] as OfferNotice | undefined
  await f.engine.abandon('acme', id)
  return offer?.agents ?? []
}

/** Handle a call end to end with the agent the engine picks; returns that agent. */
async function handle(f: Fixture, id: string, talkMs: number): Promise<string> {
  const before = f.offers().length
  await f.engine.enqueue({ tenant: 'acme', queue: 'support', callId: id })
  const agent = (f.offers()[before] as OfferNotice).agents[0]!
  await f.engine.answer('acme', id, agent)
  f.clock.advance(talkMs)
  await f.engine.complete('acme', id)
  f.clock.advance(5001)
  await f.engine.tick()
  return agent
}

t.test('longest-idle', async (t) => {
  const f = await engineFixture(t, 'longest-idle')
  await loginAll(f)
  t.same(await offerOnce(f, 'c1'), ['a1'])
  t.equal(await handle(f, 'c2', 1000), 'a1')
  t.equal(await handle(f, 'c3', 1000), 'a2', 'a1 is now the most recently idle')
})

t.test('fewest-calls prefers the agent with fewer calls over the longest idle', async (t) => {
  const f = await engineFixture(t, 'fewest-calls')
  await f.engine.login('a2', ['acme'])
  f.clock.advance(1000)
  await f.engine.login('a1', ['acme'])
  await f.engine.pause('a1', 'coaching')
  t.equal(await handle(f, 'c1', 1000), 'a2')
  t.equal(await handle(f, 'c2', 1000), 'a2')
  await f.engine.unpause('a1')
  // a1 unpaused after a2's wrap-up ended, so a2 is the longest idle; a2 has 2 calls, a1 none
  t.equal(await handle(f, 'c3', 1000), 'a1')
})

t.test('least-talk-time prefers the agent who talked least', async (t) => {
  const f = await engineFixture(t, 'least-talk-time')
  await f.engine.login('a2', ['acme'])
  await f.engine.login('a1', ['acme'])
  await f.engine.pause('a1', 'coaching')
  t.equal(await handle(f, 'c1', 100_000), 'a2')
  await f.engine.unpause('a1')
  t.equal(await handle(f, 'c2', 10_000), 'a1')
  t.equal(await handle(f, 'c3', 10_000), 'a1', 'a1 has 10 s of talk, a2 100 s')
})

t.test('top-down always starts from the top of the list', async (t) => {
  const f = await engineFixture(t, 'top-down')
  await loginAll(f)
  t.same(await offerOnce(f, 'c1'), ['a3'])
  t.same(await offerOnce(f, 'c2'), ['a3'])
  await f.engine.pause('a3', 'break')
  t.same(await offerOnce(f, 'c3'), ['a1'])
})

t.test('round-robin remembers where it stopped and wraps around', async (t) => {
  const f = await engineFixture(t, 'round-robin')
  await loginAll(f)
  const picks: string[] = []
  for (let i = 0; i < 6; i++) picks.push(...(await offerOnce(f, `c${i}`)))
  t.same(picks, ['a3', 'a1', 'a2', 'a4', 'a3', 'a1'])
})

t.test('random spreads calls over every qualified agent', async (t) => {
  const f = await engineFixture(t, 'random')
  await loginAll(f)
  const counts = new Map<string, number>()
  for (let i = 0; i < 80; i++) for (const a of await offerOnce(f, `c${i}`)) counts.set(a, (counts.get(a) ?? 0) + 1)
  t.same([...counts.keys()].sort(), ['a1', 'a2', 'a3', 'a4'])
  for (const [a, n] of counts) t.ok(n >= 5, `${a} got ${n} of 80`)
})

t.test('skill-level offers the most proficient agent first', async (t) => {
  const f = await engineFixture(t, 'skill-level')
  await loginAll(f)
  const order: string[] = []
  for (let i = 0; i < 4; i++) {
    const before = f.offers().length
    await f.engine.enqueue({ tenant: 'acme', queue: 'support', callId: `c${i}` })
    order.push(...(f.offers()[before] as OfferNotice).agents)
  }
  t.same(order, ['a2', 'a3', 'a1', 'a4'])
})

t.test('ring-all offers every qualified agent; the first to answer wins, the others are released', async (t) => {
  const f = await engineFixture(t, 'ring-all')
  await loginAll(f)
  await f.engine.enqueue({ tenant: 'acme', queue: 'support', callId: 'c1' })
  const offer = f.offers()[0] as OfferNotice
  t.same([...offer.agents].sort(), ['a1', 'a2', 'a3', 'a4'])
  for (const a of ['a1', 'a2', 'a3', 'a4']) t.equal((await f.engine.agentState(a)).state, 'reserved')
  await f.engine.noAnswer('acme', 'c1', 'a4', 'declined')
  t.equal((await f.engine.agentState('a4')).state, 'available')
  await f.engine.answer('acme', 'c1', 'a2')
  t.equal((await f.engine.agentState('a2')).state, 'on-call')
  for (const a of ['a1', 'a3']) t.equal((await f.engine.agentState(a)).state, 'available')
  await t.rejects(f.engine.answer('acme', 'c1', 'a3'), { code: 'NOT_OFFERED' })
  // next call rings everyone still free
  await f.engine.enqueue({ tenant: 'acme', queue: 'support', callId: 'c2' })
  t.same([...(f.offers()[1] as OfferNotice).agents].sort(), ['a1', 'a3', 'a4'])
})
