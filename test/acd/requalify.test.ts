import t from 'tap'
import { keys } from '../../src/acd/keys'
import type { OfferNotice } from '../../src/acd/types'
import { parseConfig } from '../../src/config/load'
import { BASE_YAML, engineFixture } from '../helpers/engine'

const reload = (from: string, to: string) => parseConfig(BASE_YAML.replace('STRATEGY', 'longest-idle').replace(from, to), 'reload.yaml')

t.test('a reload changes the queues of agents already logged in, keeping their state', async (t) => {
  const { engine, offers, redis } = await engineFixture(t)
  await engine.login('a3', ['acme'])
  t.ok(await redis.sismember(keys.queueStaffed('shared', 'acme', 'support'), 'a3'))
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'sale' })
  t.same(offers(), [], 'a3 (sales 3) does not qualify for sales (min 5)')

  // a3 is trained: sales 3 -> 7, and loses support
  const trained = reload('{ id: a3, tenants: [acme], skills: { acme: { sales: 3, support: 5 } } }', '{ id: a3, tenants: [acme], skills: { acme: { sales: 7 } } }')
  await engine.applyConfig(trained)
  t.same(offers().map((o) => [o.call, (o as OfferNotice).agents]), [['sale', ['a3']]], 'the waiting sales call is offered at once')
  t.notOk(await redis.sismember(keys.queueStaffed('shared', 'acme', 'support'), 'a3'), 'no longer staffing support')
  t.equal(await redis.hget(keys.agent('shared', 'a3'), 'state'), 'reserved')
  await engine.answer('acme', 'sale', 'a3')
  await engine.complete('acme', 'sale')
  await engine.enqueue({ tenant: 'acme', queue: 'support', callId: 'help' })
  t.equal(offers().length, 1, 'a support call is not offered to a3 any more')
  t.equal(await redis.zscore(keys.queueAvailable('shared', 'acme', 'support', 0), 'a3'), null)
  t.equal(await engine.requalifyLoggedIn(), 0, 'applying the same configuration again changes nothing')
})

t.test('a tenant an agent may no longer serve leaves its session', async (t) => {
  const { engine, redis } = await engineFixture(t)
  await engine.login('g1', ['globex', 'initech'])
  await engine.pause('g1', 'break')
  const narrowed = reload('{ id: g1, tenants: [globex, initech], skills: { globex: { help: 5 }, initech: { help: 5 } } }', '{ id: g1, tenants: [initech], skills: { initech: { help: 5 } } }')
  await engine.applyConfig(narrowed)
  t.same(await engine.agentState('g1'), { state: 'paused', call: undefined, reason: 'break', tenants: ['initech'] }, 'still paused, serving initech only')
  t.same(Object.keys(await redis.hgetall(keys.agentQuals('shared', 'g1'))), ['initech/help'])
  t.notOk(await redis.sismember(keys.queueStaffed('shared', 'globex', 'help'), 'g1'))
})
