import t from 'tap'
import { keys } from '../../src/acd/keys'
import type { OfferNotice } from '../../src/acd/types'
import { engineFixture } from '../helpers/engine'

t.test('a call to a queue with a free qualified agent is reserved at once; answer, complete, wrap-up', async (t) => {
  const { engine, clock, offers } = await engineFixture(t)
  t.equal(await engine.login('a2', ['acme']), 'available')
  const r = await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c1', caller: '+33612345678' })
  t.equal(r.state, 'reserved')
  t.same(offers().map((o) => [o.call, (o as OfferNotice).agents]), [['c1', ['a2']]])
  t.equal((await engine.agentState('a2')).state, 'reserved')
  clock.advance(3000)
  t.same(await engine.answer('acme', 'c1', 'a2'), { waitMs: 3000 })
  t.equal((await engine.agentState('a2')).state, 'on-call')
  clock.advance(60_000)
  await engine.complete('acme', 'c1')
  // sales has no wrap-up: the agent is available again
  t.equal((await engine.agentState('a2')).state, 'available')
  const snap = await engine.snapshot('acme', 'sales')
  t.match(snap.stats, { offered: 1, answered: 1, answered_in_sl: 1, completed: 1, talk_ms: 60000, wait_ms: 3000 })
})

t.test('calls wait by priority then arrival; agent takes the best one', async (t) => {
  const { engine, offers } = await engineFixture(t)
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'low1' })
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'low2' })
  const urgent = await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'urgent', attributes: { urgency: 'critical' } })
  t.equal(urgent.priority, 90)
  t.equal(urgent.position, 1, 'urgent call jumps ahead')
  t.same((await engine.position('acme', 'low2'))?.position, 3)
  await engine.login('a2', ['acme'])
  await engine.login('a4', ['acme'])
  t.same(offers().map((o) => o.call), ['urgent'], 'a4 is tier 2 in sales: not before 60 s of waiting')
  await engine.login('a1', ['acme'])
  t.same(offers().map((o) => o.call), ['urgent', 'low1'])
  t.same((await engine.position('acme', 'low2'))?.position, 1)
})

t.test('ring timeout puts the call back in its original place and counts a no-answer', async (t) => {
  const { engine, clock, offers, redis } = await engineFixture(t)
  await engine.login('a2', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'first' })
  await engine.pause('a2', 'break').catch(() => undefined)
  // "first" went back when a2 paused; queue two more behind it
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'second' })
  t.equal((await engine.position('acme', 'first'))?.position, 1)
  await engine.unpause('a2')
  t.equal(offers().at(-1)?.call, 'first')
  clock.advance(10_001)
  const { processed } = await engine.tick()
  t.ok(processed >= 1)
  // a2 was offered "first" again after the return? It is the only agent: rna counted, call re-offered
  const a2 = await redis.hgetall(keys.agent('shared', 'a2'))
  t.equal(a2['rna'], '1')
  t.equal(offers().at(-1)?.call, 'first', 'the returned call keeps its place at the head')
  t.equal((await engine.position('acme', 'second'))?.position, 1)
})

t.test('auto-pause after consecutive ring-no-answers', async (t) => {
  const { engine, clock } = await engineFixture(t)
  await engine.login('a2', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c' })
  for (let i = 0; i < 3; i++) {
    clock.advance(10_001)
    await engine.tick()
  }
  const st = await engine.agentState('a2')
  t.equal(st.state, 'paused')
  t.equal(st.reason, 'no-answer')
  t.equal((await engine.callState('acme', 'c'))?.['state'], 'waiting')
})

t.test('busy or declined: no_answer releases the agent and the call goes to the next agent', async (t) => {
  const { engine, offers, clock } = await engineFixture(t)
  await engine.login('a2', ['acme'])
  clock.advance(10)
  await engine.login('a1', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c' })
  t.same((offers()[0] as OfferNotice).agents, ['a2'], 'longest idle first')
  await engine.noAnswer('acme', 'c', 'a2', 'busy')
  t.same((offers()[1] as OfferNotice).agents, ['a1'])
  t.equal((await engine.agentState('a2')).state, 'available')
  await t.rejects(engine.answer('acme', 'c', 'a2'), { code: 'NOT_OFFERED' })
})

t.test('abandon removes the call while waiting and while ringing (agent released)', async (t) => {
  const { engine, redis } = await engineFixture(t)
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'w' })
  t.same(await engine.abandon('acme', 'w'), { stage: 'queued' })
  t.equal(await redis.zcard(keys.queueWaiting('shared', 'acme', 'sales')), 0)
  t.equal(await redis.zcard(keys.timers('shared')), 0, 'its timers are gone')
  await engine.login('a2', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'r' })
  t.same(await engine.abandon('acme', 'r'), { stage: 'ringing' })
  t.equal((await engine.agentState('a2')).state, 'available')
  t.equal(await engine.abandon('acme', 'r'), undefined, 'abandoning twice is harmless')
  t.match((await engine.snapshot('acme', 'sales')).stats, { abandoned: 2 })
})

t.test('wrap-up is timed; pause while on a call applies at the end of the call', async (t) => {
  const { engine, clock } = await engineFixture(t)
  await engine.login('a3', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'support', callId: 'c' })
  await engine.answer('acme', 'c', 'a3')
  await engine.complete('acme', 'c', 'agent')
  t.equal((await engine.agentState('a3')).state, 'wrap-up')
  clock.advance(4000)
  await engine.tick()
  t.equal((await engine.agentState('a3')).state, 'wrap-up')
  clock.advance(1001)
  await engine.tick()
  t.equal((await engine.agentState('a3')).state, 'available')
  await engine.enqueue({ tenant: 'acme', queue: 'support', callId: 'd' })
  await engine.answer('acme', 'd', 'a3')
  t.same(await engine.pause('a3', 'lunch'), { pending: true })
  await engine.complete('acme', 'd')
  clock.advance(5001)
  await engine.tick()
  t.match(await engine.agentState('a3'), { state: 'paused', reason: 'lunch' })
  await engine.enqueue({ tenant: 'acme', queue: 'support', callId: 'e' })
  t.equal((await engine.callState('acme', 'e'))?.['state'], 'waiting', 'a paused agent gets no call')
  await engine.unpause('a3')
  t.equal((await engine.callState('acme', 'e'))?.['state'], 'reserved')
})

t.test('an agent cannot log in to two incompatible tenants; unrelated ones are fine', async (t) => {
  const { engine, config } = await engineFixture(t)
  await t.rejects(engine.login('a1', ['acme', 'globex']), { code: 'INCOMPATIBLE_TENANTS', message: /cannot serve "acme" and "globex"/ })
  t.equal((await engine.agentState('a1')).state, 'logged-out', 'nothing half-applied')
  await t.rejects(engine.login('a2', ['globex']), { code: 'TENANT_NOT_ALLOWED' })
  t.equal(await engine.login('g1', ['globex', 'initech']), 'available')
  t.ok(config.tenants.get('globex')!.incompatibleWith.includes('acme'), 'incompatibility is symmetric')
  await t.rejects(engine.login('g1'), { code: 'ALREADY_LOGGED_IN' })
})

t.test('tenant isolation: an agent logged in for one tenant never gets another tenant\'s call', async (t) => {
  const { engine, offers, redis } = await engineFixture(t)
  await engine.login('a1', ['globex'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'same-id' })
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'same-id' })
  t.same(offers().map((o) => `${o.tenant}/${o.call}`), ['globex/same-id'], 'same call id in two tenants stays apart')
  t.equal((await engine.callState('acme', 'same-id'))?.['state'], 'waiting')
  // every key written carries the pool tag; every call/queue key carries its tenant
  const all = await redis.keys('*')
  for (const k of all) t.match(k, /^acd:\{shared\}:/, `key ${k} carries the pool`)
  t.ok(all.includes(keys.call('shared', 'acme', 'same-id')) && all.includes(keys.call('shared', 'globex', 'same-id')))
  const globexEvents = await redis.xrange(keys.events('shared', 'globex'), '-', '+')
  for (const [, fields] of globexEvents) {
    const tenant = fields[fields.indexOf('tenant') + 1]
    t.equal(tenant, 'globex', 'globex stream carries only globex events')
  }
  await t.rejects(engine.enqueue({ tenant: 'globex', queue: 'sales', callId: 'x' }), { code: 'NO_SUCH_QUEUE' })
})

t.test('escalation lowers the minimum level, then widens to tier 2', async (t) => {
  const { engine, clock, offers } = await engineFixture(t)
  await engine.login('a3', ['acme']) // sales 3: qualifies from step 1 (min 2)
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c' })
  t.equal(offers().length, 0, 'level 3 < 5: no offer yet')
  clock.advance(30_000)
  await engine.tick()
  t.same((offers()[0] as OfferNotice).agents, ['a3'], 'after 30 s the level-3 agent qualifies')
  await engine.logout('a3')
  t.equal((await engine.callState('acme', 'c'))?.['state'], 'waiting', 'logout while ringing returns the call')
  await engine.login('a4', ['acme']) // sales 8 but tier 2: only from step 2
  t.equal(offers().length, 1)
  clock.advance(30_000)
  await engine.tick()
  t.same((offers()[1] as OfferNotice).agents, ['a4'], 'after 60 s tier-2 agents qualify')
})

t.test('referent agent: the call waits for its referent, then falls back to the queue', async (t) => {
  const { engine, clock, offers } = await engineFixture(t)
  await engine.login('a4', ['acme'])
  await engine.pause('a4', 'meeting')
  await engine.login('a2', ['acme'])
  const r = await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'vip', attributes: { customer: 'CUST-1' } })
  t.equal(r.state, 'referred', 'a2 is free but the call waits for its referent a4')
  t.equal(offers().length, 0)
  await engine.unpause('a4')
  t.same((offers()[0] as OfferNotice).agents, ['a4'])
  await engine.noAnswer('acme', 'vip', 'a4', 'declined')
  t.same((offers()[1] as OfferNotice).agents, ['a2'], 'after the referent declines the call goes to the queue')

  await engine.abandon('acme', 'vip')
  await engine.pause('a4', 'meeting')
  await engine.pause('a2', 'break')
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'vip2', referent: 'a4' })
  await engine.unpause('a2')
  t.equal(offers().length, 2, 'still waiting for the referent')
  clock.advance(20_000)
  await engine.tick()
  t.same((offers()[2] as OfferNotice).agents, ['a2'], 'after the referent wait the queue takes it')
})

t.test('max length refuses; max wait overflows to the target queue', async (t) => {
  const { engine, clock, notices } = await engineFixture(t)
  for (const id of ['s1', 's2', 's3']) t.equal((await engine.enqueue({ tenant: 'acme', queue: 'support', callId: id })).state, 'waiting')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'support', callId: 's4' })).state, 'full')
  clock.advance(100_000)
  await engine.tick()
  const overflow = notices.filter((n) => n.type === 'overflow')
  t.equal(overflow.length, 3)
  t.match(overflow[0], { call: 's1', target: 'queue:sales', reason: 'max-wait' })
  t.equal(await engine.callState('acme', 's1'), undefined)
})

t.test('position and estimated wait; snapshot by agent state', async (t) => {
  const { engine, clock } = await engineFixture(t)
  await engine.login('a1', ['acme'])
  await engine.login('a2', ['acme'])
  await engine.pause('a1', 'training')
  for (const id of ['p1', 'p2', 'p3']) await engine.enqueue({ tenant: 'acme', queue: 'support', callId: id })
  clock.advance(2000)
  await engine.answer('acme', 'p1', 'a2')
  clock.advance(98_000)
  await engine.complete('acme', 'p1')
  // a2 in wrap-up (5 s); p2, p3 wait; mean handle = 98 s talk + 5 s wrap-up, 2 staffed agents
  const pos = await engine.position('acme', 'p3')
  t.same(pos, { state: 'waiting', position: 2, estimatedWaitSeconds: Math.round((2 * 103) / 2) })
  const snap = await engine.snapshot('acme', 'support')
  t.equal(snap.waiting, 2)
  t.equal(snap.longestWaitMs, 100_000)
  t.match(snap.agents, { 'wrap-up': 1, paused: 1, available: 0 })
})

t.test('events carry what CDRs and live statistics need', async (t) => {
  const { engine, redis, clock } = await engineFixture(t)
  await engine.login('a2', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'e1', caller: '+33612345678', attributes: { contract: 'gold' } })
  clock.advance(1500)
  await engine.answer('acme', 'e1', 'a2')
  clock.advance(1000)
  await engine.complete('acme', 'e1', 'agent')
  const events = (await redis.xrange(keys.events('shared', 'acme'), '-', '+')).map(([, f]) => {
    const o: Record<string, string> = {}
    for (let i = 0; i < f.length; i += 2) o[f[i]!] = f[i + 1]!
    return o
  })
  const types = events.map((e) => e['type'])
  // the agent's transitions caused by the call are told by the call events themselves
  t.same(types, ['agent_state', 'enqueued', 'reserved', 'connected', 'completed'])
  t.match(events[1], { call: 'e1', queue: 'sales', caller: '+33612345678', attrs: '{"contract":"gold"}', tenant: 'acme' })
  t.match(events[0], { agent: 'a2', from: 'logged-out', to: 'available' })
  t.match(events[2], { agents: 'a2' })
  t.match(events[3], { agent: 'a2', wait_ms: '1500' })
  t.match(events[4], { agent: 'a2', agent_state: 'available', talk_ms: '1000', wait_ms: '1500', ended_by: 'agent' })
})

t.test('scripts are reloaded transparently after SCRIPT FLUSH and after a Redis restart', async (t) => {
  const { engine, redis, server, config } = await engineFixture(t)
  await engine.login('a2', ['acme'])
  await redis.script('FLUSH')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c' })).state, 'reserved')
  await server.restart()
  await engine.applyConfig(config)
  t.equal(await engine.login('a2', ['acme']), 'available')
})

t.test('offers for calls owned by another instance are queued for it', async (t) => {
  const { engine, redis, config, clock } = await engineFixture(t, 'longest-idle', 'alpha')
  const { AcdEngine } = await import('../../src/acd/engine')
  const beta = new AcdEngine(redis, config, { instanceId: 'beta', clock })
  const got: unknown[] = []
  beta.on('notice', (n) => got.push(n))
  await beta.enqueue({ tenant: 'acme', queue: 'sales', callId: 'owned-by-beta' })
  await engine.login('a2', ['acme']) // alpha's action reserves beta's call
  t.equal(got.length, 0)
  t.equal(await beta.pullNotices(), 1)
  t.match(got[0], { type: 'offer', call: 'owned-by-beta', agents: ['a2'] })
})
