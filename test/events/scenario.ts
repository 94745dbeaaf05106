import type { Test } from 'tap'
import { SiteControl } from '../../src/acd/sites'
import { engineFixture } from '../helpers/engine'

const NUMBER = '+447700900123'

/**
 * Drives the real engine (its Lua scripts on a private redis-server) through a day that writes
 * every engine event type: acme's sales and support queues, globex's callbacks.
 */
export async function busyDay(t: Test) {
  const fixture = await engineFixture(t)
  const { engine, clock } = fixture
  // a call waits; the agent logs in, lets it ring out, gets it again, answers, hangs up
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c1', caller: '+33612345678' })
  await engine.login('a2', ['acme'])
  clock.advance(10_000)
  await engine.tick()
  clock.advance(2000)
  await engine.answer('acme', 'c1', 'a2')
  clock.advance(30_000)
  await engine.complete('acme', 'c1', 'agent')
  // the agent pauses; a caller gives up; support fills up and refuses a fourth call
  await engine.pause('a2', 'lunch')
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c2' })
  clock.advance(5000)
  await engine.abandon('acme', 'c2')
  for (const id of ['s1', 's2', 's3', 's4']) await engine.enqueue({ tenant: 'acme', queue: 'support', callId: id })
  // a sales call reaches its first escalation step; support's calls overflow to sales
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c3' })
  clock.advance(30_000)
  await engine.tick()
  clock.advance(70_000)
  await engine.tick()
  for (const id of ['c3', 's1', 's2', 's3']) await engine.abandon('acme', id)
  // a known customer waits for its referent agent, who is paused: the wait runs out
  await engine.login('a4', ['acme'])
  await engine.pause('a4', 'meeting')
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c4', attributes: { customer: 'CUST-1' } })
  clock.advance(20_000)
  await engine.tick()
  await engine.abandon('acme', 'c4')
  await engine.logout('a2')
  // globex: a callback is asked for, its first attempt finds the line busy, the second connects
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb' })
  await engine.requestCallback('globex', 'cb', NUMBER)
  await engine.login('g1', ['globex'])
  await engine.answer('globex', 'cb', 'g1')
  await engine.callbackResult('globex', 'help', 'cb', 'busy')
  clock.advance(60_000)
  await engine.tick()
  await engine.answer('globex', 'cb', 'g1')
  await engine.callbackResult('globex', 'help', 'cb', 'connected')
  clock.advance(45_000)
  await engine.complete('globex', 'cb', 'caller')
  // another callback is never made: two hours on (globex's minor response time, no calendar) it is a breach
  await engine.logout('g1')
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb2' })
  await engine.requestCallback('globex', 'cb2', NUMBER)
  clock.advance(2 * 3600_000)
  await engine.tick()
  // a callback on a queue with calling hours (09:00-17:00 in London): asked at night, it waits for
  // 09:00, is back in the queue, and is held again when the hours close at 17:00
  await engine.enqueue({ tenant: 'globex', queue: 'daytime', callId: 'cb3' })
  await engine.requestCallback('globex', 'cb3', NUMBER)
  clock.advance(24 * 3600_000)
  await engine.tick()
  // a site (support's, a3's) goes down: the call waiting in support moves to its backup, sales
  await engine.enqueue({ tenant: 'acme', queue: 'support', callId: 'mv' })
  clock.advance(1000)
  await new SiteControl(engine.redis, engine).switchPool({ pool: 'shared', agents: ['a3'], queues: [['acme', 'support', 'sales']], tenants: ['acme'] }, 'west', 'down', 'drill')
  await engine.abandon('acme', 'mv')
  // a connected call the ACD lost is told again by its instance, then ends
  await engine.restoreConnected({ tenant: 'acme', id: 'r1', queue: 'sales', agent: 'a3', arrivedAt: clock.now() - 20_000, answeredAt: clock.now() - 15_000, attributes: {} })
  clock.advance(10_000)
  await engine.complete('acme', 'r1', 'caller')
  return fixture
}
