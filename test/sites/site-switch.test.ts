// Site switches in the engine, on the injected clock: calls waiting and agents ringing.
import t from 'tap'
import { keys } from '../../src/acd/keys'
import type { OfferNotice } from '../../src/acd/types'
import { readHistory } from '../../src/events/history'
import { backupQueue, routeForSites, siteOf, tenantQueue } from '../../src/routing/sites'
import { sitesFixture } from '../helpers/sites'

const waitingIn = (redis: import('ioredis').default, queue: string) => redis.zrange(keys.queueWaiting('shared', 'acme', queue), 0, -1)

t.test('the backup copies: same definition at the backup site, served by its agents only', async (t) => {
  const { config, engine } = await sitesFixture(t)
  t.equal(backupQueue(config, 'acme', 'support'), 'support@mechelen')
  t.equal(backupQueue(config, 'acme', 'sales'), 'sales@mechelen', 'reached through the overflow of support')
  t.equal(backupQueue(config, 'acme', 'back-office'), undefined, 'no DDI leads there: no copy')
  t.equal(backupQueue(config, 'globex', 'help'), undefined)
  t.equal(siteOf(config, 'acme', 'sales'), 'gosselies')
  t.equal(siteOf(config, 'acme', 'sales@mechelen'), 'mechelen')
  t.equal(siteOf(config, 'acme', 'back-office'), undefined)
  t.same(tenantQueue('sales@mechelen'), { queue: 'sales', site: 'mechelen' })
  const copy = config.tenants.get('acme')!.queues.find((q) => q.id === 'support@mechelen')!
  t.match(copy, { primary: 'support', site: 'mechelen', strategy: 'ring-all', overflow: { kind: 'queue', queue: 'sales@mechelen' }, skills: [{ skill: 'support', minLevel: 1 }] })
  t.match(config.ddis.get('+3271000001'), { number: '+3271000001', tenant: 'acme', entry: { kind: 'queue', queue: 'support' }, site: 'gosselies', backupSite: 'mechelen' })
  await engine.login('g1')
  await engine.login('m1')
  await engine.login('x1')
  const quals = async (a: string) => Object.keys(await engine.redis.hgetall(keys.agentQuals('shared', a))).sort()
  t.same(await quals('g1'), ['acme/back-office', 'acme/sales', 'acme/support'], 'a queue at no site takes any agent')
  t.same(await quals('m1'), ['acme/back-office', 'acme/sales@mechelen', 'acme/support@mechelen'])
  t.same(await quals('x1'), ['acme/back-office', 'globex/help'], 'an agent of no site serves the queues of no site')
})

t.test('site down with calls waiting and an agent ringing: rings withdrawn without a no-answer, calls moved keeping their place, no new offer to the site', async (t) => {
  const { engine, clock, notices, sites, redis } = await sitesFixture(t)
  await engine.login('g1')
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c1' })
  t.equal((await engine.agentState('g1')).state, 'reserved', 'g1 rings for c1')
  clock.advance(1000)
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c2' })
  clock.advance(1000)
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c3', attributes: { urgency: 'critical' } })
  clock.advance(1000)
  // a call already at the backup copy (rerouted earlier), after c2 in arrival order
  await engine.enqueue({ tenant: 'acme', queue: 'sales@mechelen', callId: 'b1' })
  clock.advance(40_000)
  await engine.tick()
  const before = notices.length

  const [r] = await sites.switch('gosselies', 'down', 'manual')
  t.match(r, { pool: 'shared', state: 'down', changed: true, moved: 3, withdrawn: 1 })
  const told = notices.slice(before)
  t.same(told.filter((n) => n.type === 'withdraw').map((n) => [n.call, 'agent' in n && n.agent]), [['c1', 'g1']], 'the ring is withdrawn')
  t.same(told.filter((n) => n.type === 'moved').map((n) => n.call).sort(), ['c1', 'c2', 'c3'])
  t.same(await waitingIn(redis, 'sales'), [], 'nothing left at the site')
  t.same(await waitingIn(redis, 'sales@mechelen'), ['c3', 'c1', 'c2', 'b1'], 'priority, then arrival order: the moved calls keep their place ahead of b1')
  const g1 = await redis.hgetall(keys.agent('shared', 'g1'))
  t.equal(g1['state'], 'available')
  t.equal(g1['rna'], '0', 'no no-answer counted')
  t.same(await redis.hgetall(keys.agentQuals('shared', 'g1')), {}, 'g1 takes no queue')
  const c2 = await engine.callState('acme', 'c2')
  t.equal(c2?.['queue'], 'sales@mechelen')
  t.equal(c2?.['step'], '1', 'the escalation step its wait reached is kept')
  t.equal(c2?.['enq'], '1001000', 'its arrival time is kept')

  // m1 logs in at the backup site: it takes the urgent call first
  await engine.login('m1')
  const offer = notices.filter((n): n is OfferNotice => n.type === 'offer').at(-1)!
  t.same([offer.call, offer.queue, offer.agents], ['c3', 'sales@mechelen', ['m1']])
  // a call that still reaches the site's queue (an instance not yet aware) is not offered to g1, and the next sweep moves it
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'late' })
  t.equal((await engine.agentState('g1')).state, 'available', 'g1 is offered nothing')
  const [again] = await sites.switch('gosselies', 'down', 'manual')
  t.match(again, { changed: false, moved: 1, withdrawn: 0 })
  t.same(await waitingIn(redis, 'sales@mechelen'), ['c1', 'c2', 'b1', 'late'])
  // a configuration reload while down does not give g1 its queues back
  await engine.requalifyLoggedIn()
  t.same(await redis.hgetall(keys.agentQuals('shared', 'g1')), {})
  // g1 logs in again while its site is down: no queue either
  await engine.logout('g1')
  await engine.login('g1')
  t.same(await redis.hgetall(keys.agentQuals('shared', 'g1')), {})

  const history = await readHistory(redis, 'shared', 'acme')
  t.same(history.filter((e) => e.type === 'site_switched').map((e) => e.type === 'site_switched' && [e.site, e.state, e.reason]), [['gosselies', 'down', 'manual']], 'one switch event')
  t.same(
    history.filter((e) => e.type === 'returned').map((e) => e.type === 'returned' && [e.call, e.agent, e.reason]),
    [['c1', 'g1', 'site-down']],
  )
  const moved = history.filter((e) => e.type === 'site_moved')
  t.same(moved.map((e) => e.type === 'site_moved' && [e.call, e.queue, e.target, e.state]).sort(), [
    ['c1', 'sales', 'sales@mechelen', 'down'],
    ['c2', 'sales', 'sales@mechelen', 'down'],
    ['c3', 'sales', 'sales@mechelen', 'down'],
    ['late', 'sales', 'sales@mechelen', 'down'],
  ])
  const c2moved = moved.find((e) => e.type === 'site_moved' && e.call === 'c2')
  t.match(c2moved, { wait_ms: 42_000 })
  t.same((await readHistory(redis, 'shared', 'globex')).filter((e) => e.type.startsWith('site_')), [], 'globex has nothing at the site: nothing in its history')
  const stats = async (q: string) => redis.hgetall(keys.queueStats('shared', 'acme', q))
  t.match(await stats('sales'), { offered: '4', moved_out: '4' })
  t.match(await stats('sales@mechelen'), { offered: '1', moved_in: '4' })

  // the site comes back: the calls still waiting at the backup go home, keeping their place; g1 takes its queues and the first
  clock.advance(5000)
  const [up] = await sites.switch('gosselies', 'up', 'manual')
  t.match(up, { state: 'up', changed: true, moved: 4 }, 'every call waiting at the backup goes home, the rerouted b1 too')
  t.same(Object.keys(await redis.hgetall(keys.agentQuals('shared', 'g1'))).sort(), ['acme/back-office', 'acme/sales', 'acme/support'])
  const last = notices.filter((n): n is OfferNotice => n.type === 'offer').at(-1)!
  t.same([last.call, last.queue, last.agents], ['c1', 'sales', ['g1']], 'g1 takes the first call in line')
  t.same(await waitingIn(redis, 'sales'), ['c2', 'b1', 'late'], 'in their order')
  t.same(await waitingIn(redis, 'sales@mechelen'), [])
  t.equal((await engine.agentState('m1')).state, 'reserved', 'the call ringing at the backup is left alone')
  t.equal((await engine.callState('acme', 'c3'))?.['queue'], 'sales@mechelen')
  const ups = (await readHistory(redis, 'shared', 'acme', { types: ['site_switched'] })).map((e) => e.state)
  t.same(ups, ['down', 'up'])
})

t.test('routing: new calls go to the backup copy while the site is down or draining, never to a backup that is down', async (t) => {
  const { config, engine, sites } = await sitesFixture(t)
  const route = (q: string) => routeForSites(config, engine.sites, 'acme', q)
  t.same(route('support'), { queue: 'support' })
  await sites.switch('gosselies', 'drain', 'manual')
  t.same(route('support'), { queue: 'support@mechelen', rerouted: { from: 'support', site: 'gosselies', state: 'draining' } })
  t.same(route('back-office'), { queue: 'back-office' }, 'a queue at no site')
  t.same(routeForSites(config, engine.sites, 'globex', 'help'), { queue: 'help' })
  await sites.switch('gosselies', 'down', 'manual')
  t.same(route('sales'), { queue: 'sales@mechelen', rerouted: { from: 'sales', site: 'gosselies', state: 'down' } })
  await sites.switch('mechelen', 'down', 'manual')
  t.same(route('sales'), { queue: 'sales' }, 'both sites down: the call waits in its own queue')
  await t.rejects(sites.switch('antwerp', 'down', 'manual'), { code: 'NO_SUCH_SITE' })
})

t.test('drain: calls in progress finish at the site, then it is drained', async (t) => {
  const { engine, clock, sites, redis } = await sitesFixture(t)
  await engine.login('g1')
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'd1' })
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'd2' })
  const [r] = await sites.switch('gosselies', 'drain', 'maintenance')
  t.match(r, { state: 'draining', changed: true, moved: 0, withdrawn: 0 })
  t.equal((await engine.agentState('g1')).state, 'reserved', 'the site keeps working its calls')
  t.match((await sites.switch('gosselies', 'drained', 'maintenance'))[0], { state: 'draining', changed: false, busy: 2 })
  clock.advance(1000)
  await engine.answer('acme', 'd1', 'g1')
  clock.advance(1000)
  await engine.complete('acme', 'd1')
  t.equal((await engine.agentState('g1')).state, 'reserved', 'and takes the next waiting call')
  await engine.answer('acme', 'd2', 'g1')
  t.match((await sites.switch('gosselies', 'drained', 'maintenance'))[0], { busy: 1, changed: false })
  await engine.complete('acme', 'd2')
  t.match((await sites.switch('gosselies', 'drained', 'maintenance'))[0], { state: 'drained', changed: true, busy: 0 })
  t.same((await readHistory(redis, 'shared', 'acme', { types: ['site_switched'] })).map((e) => [e.state, e.reason]), [['draining', 'maintenance'], ['drained', 'maintenance']])
  t.equal((await sites.read()).get('shared')!.get('gosselies')!.state, 'drained')
})

t.test('auto down: no logged-in agent of the site for longer than its no_agent_seconds', async (t) => {
  const { engine, clock, sites, redis } = await sitesFixture(t)
  const auto = { noInstanceMs: 0, noAgentMs: 60_000 }
  await engine.login('m1')
  await sites.markSeen(undefined)
  t.match((await sites.switch('mechelen', 'auto', 'auto'))[0], { state: 'up', changed: false })
  await engine.logout('m1')
  clock.advance(59_000)
  t.match((await sites.switch('mechelen', 'auto', 'auto'))[0], { state: 'up', changed: false }, 'not yet')
  clock.advance(2000)
  t.match((await sites.switch('mechelen', 'auto', 'auto', auto))[0], { state: 'down', changed: true })
  t.same((await readHistory(redis, 'shared', 'acme', { types: ['site_switched'] })).map((e) => [e.site, e.state, e.reason]), [['mechelen', 'down', 'auto-no-agent']])
  // gosselies was never seen with an instance: the first check starts its clock
  const inst = { noInstanceMs: 30_000, noAgentMs: 0 }
  t.match((await sites.switch('gosselies', 'auto', 'auto', inst))[0], { state: 'up', changed: false })
  await sites.markSeen('gosselies')
  clock.advance(31_000)
  t.match((await sites.switch('gosselies', 'auto', 'auto', inst))[0], { state: 'down', changed: true })
})

t.test('ring-all: every agent of the site ringing is withdrawn, the call moves once', async (t) => {
  const { engine, notices, sites, redis } = await sitesFixture(t)
  await engine.login('g1')
  await engine.login('g2')
  await engine.enqueue({ tenant: 'acme', queue: 'support', callId: 'r1' })
  const offer = notices.find((n): n is OfferNotice => n.type === 'offer')!
  t.same(offer.agents.sort(), ['g1', 'g2'])
  const [r] = await sites.switch('gosselies', 'down', 'manual')
  t.match(r, { moved: 1, withdrawn: 2 })
  t.same(notices.filter((n) => n.type === 'withdraw').map((n) => 'agent' in n && n.agent).sort(), ['g1', 'g2'])
  t.same(await redis.zrange(keys.queueWaiting('shared', 'acme', 'support@mechelen'), 0, -1), ['r1'])
  for (const a of ['g1', 'g2']) t.match(await redis.hgetall(keys.agent('shared', a)), { state: 'available', rna: '0' })
})

t.test('site down: a call waiting for its referent of the site falls back and moves; a callback waiting for its retry moves and is retried at the backup', async (t) => {
  const { engine, clock, sites, redis, notices } = await sitesFixture(t)
  await engine.login('g2')
  await engine.pause('g2', 'break')
  t.equal((await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'ref1', attributes: { customer: 'CUST-1' } })).state, 'referred', 'waits for g2, its referent')
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'cb1' })
  await engine.requestCallback('acme', 'cb1', '+32470000001')
  await engine.login('g1')
  const offered = notices.filter((n): n is OfferNotice => n.type === 'offer').map((n) => n.call)
  t.same(offered, ['cb1'])
  await engine.answer('acme', 'cb1', 'g1')
  t.match(await engine.callbackResult('acme', 'sales', 'cb1', 'busy'), { state: 'retry' })
  const before = notices.length
  const [r] = await sites.switch('gosselies', 'down', 'manual')
  t.match(r, { moved: 2, withdrawn: 0 })
  t.same(notices.slice(before).filter((n) => n.type !== 'moved'), [], 'nothing offered to the site on the way (g1 was available)')
  t.match(await engine.callState('acme', 'ref1'), { state: 'waiting', queue: 'sales@mechelen' })
  t.match(await engine.callState('acme', 'cb1'), { state: 'retry', queue: 'sales@mechelen', callback: '+32470000001' })
  t.same(await redis.zrange(keys.queueCallbacks('shared', 'acme', 'sales@mechelen'), 0, -1), ['cb1'], 'the pending callback is listed at the backup')
  t.same(await redis.zrange(keys.queueCallbacks('shared', 'acme', 'sales'), 0, -1), [])
  t.equal(await redis.zcard(keys.agentReferred('shared', 'g2')), 0)
  await engine.login('m1')
  t.equal(notices.filter((n): n is OfferNotice => n.type === 'offer').at(-1)?.call, 'ref1', 'm1 takes the call that waited for g2')
  await engine.answer('acme', 'ref1', 'm1')
  await engine.complete('acme', 'ref1')
  clock.advance(61_000)
  await engine.tick()
  const last = notices.filter((n): n is OfferNotice => n.type === 'offer').at(-1)!
  t.same([last.call, last.queue, last.agents], ['cb1', 'sales@mechelen', ['m1']], 'the callback is retried at the backup')
})
