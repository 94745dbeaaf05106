import t from 'tap'
import { keys } from '../../src/acd/keys'
import type { OverflowNotice } from '../../src/acd/types'
import { engineFixture } from '../helpers/engine'

const NUMBER = '+447700900123'

async function history(redis: import('ioredis').default, tenant: string) {
  const rows = await redis.xrange(keys.events('shared', tenant), '-', '+')
  return rows.map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]!]])))) as Record<string, string>[]
}

t.test('a callback keeps its place; the reserved agent answers, the customer is connected and the talk counted from then', async (t) => {
  const { engine, clock, offers, redis } = await engineFixture(t)
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'first' })
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb' })
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'later' })
  clock.advance(40_000)
  t.same(await engine.requestCallback('globex', 'cb', NUMBER), { position: 2 }, 'the caller keeps second place')
  t.match(await engine.callState('globex', 'cb'), { state: 'waiting', callback: NUMBER, cb_tries: '0' })
  t.match(await engine.snapshot('globex', 'help'), { waiting: 3, callbacks: 1 }, 'one of the three waiting is a callback')
  await engine.abandon('globex', 'first')
  await engine.login('g1', ['globex'])
  t.same(offers().map((o) => o.call), ['cb'], 'the callback is offered before the later caller')
  clock.advance(2000)
  await engine.answer('globex', 'cb', 'g1')
  t.equal((await engine.agentState('g1')).state, 'on-call')
  clock.advance(8000)
  t.same(await engine.callbackResult('globex', 'help', 'cb', 'connected'), { state: 'connected', attempt: 1 })
  t.equal((await engine.snapshot('globex', 'help')).callbacks, 0, 'made: no longer pending')
  clock.advance(60_000)
  await engine.complete('globex', 'cb', 'caller')
  const ev = (await history(redis, 'globex')).filter((e) => e['call'] === 'cb')
  t.same(ev.map((e) => e['type']), ['enqueued', 'callback_requested', 'reserved', 'connected', 'callback_connected', 'completed'])
  t.match(ev[1], { number: NUMBER, wait_ms: '40000' })
  t.match(ev[3], { agent: 'g1', callback: NUMBER })
  t.match(ev[4], { agent: 'g1', number: NUMBER, attempt: '1', wait_ms: '10000' })
  t.match(ev[5], { talk_ms: '60000' }, 'talk time counts from the customer answering')
  const snap = await engine.snapshot('globex', 'help')
  t.match(snap.stats, { callbacks_requested: 1, callbacks_connected: 1, completed: 1 })
  t.notOk(snap.stats['answered'], 'a callback is not an inbound answer in the service level')
})

t.test('failed attempts free the agent, retry in the original place after the policy delay, then give up and report', async (t) => {
  const { engine, clock, offers, redis } = await engineFixture(t)
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb' })
  await engine.requestCallback('globex', 'cb', NUMBER)
  await engine.login('g1', ['globex'])
  await engine.answer('globex', 'cb', 'g1')
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'next' })
  t.same(await engine.callbackResult('globex', 'help', 'cb', 'busy'), { state: 'retry', attempt: 1 })
  t.same(offers().map((o) => o.call), ['cb', 'next'], 'the agent takes the next caller at once')
  t.match(await engine.callState('globex', 'cb'), { state: 'retry', cb_tries: '1' })
  t.equal((await engine.snapshot('globex', 'help')).callbacks, 1, 'still pending while the retry is not due')
  t.equal(await redis.zscore(keys.queueWaiting('shared', 'globex', 'help'), 'cb'), null, 'out of the queue while the retry is not due')
  await engine.answer('globex', 'next', 'g1')
  await engine.complete('globex', 'next')
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'behind' })
  await engine.pause('g1', 'break')
  clock.advance(59_000)
  await engine.tick()
  t.equal((await engine.callState('globex', 'cb'))?.['state'], 'retry', 'busy waits 60 s')
  clock.advance(1_000)
  await engine.tick()
  t.equal((await engine.position('globex', 'cb'))?.position, 1, 'back in its original place, ahead of a later caller')
  await engine.unpause('g1')
  t.equal(offers().at(-1)?.call, 'cb')
  await engine.answer('globex', 'cb', 'g1')
  t.same(await engine.callbackResult('globex', 'help', 'cb', 'no-answer'), { state: 'failed', attempt: 2 }, 'max_attempts 2: given up')
  t.equal(await engine.callState('globex', 'cb'), undefined)
  t.equal((await engine.snapshot('globex', 'help')).callbacks, 0, 'given up: no longer pending')
  t.equal(offers().at(-1)?.call, 'behind', 'the agent goes on with the queue')
  const ev = (await history(redis, 'globex')).filter((e) => e['call'] === 'cb')
  t.same(
    ev.filter((e) => e['type']!.startsWith('callback_')).map((e) => [e['type'], e['outcome'] ?? '', e['final'] ?? '', e['attempt']]),
    [
      ['callback_requested', '', '', undefined],
      ['callback_failed', 'busy', 'no', '1'],
      ['callback_retry', '', '', '2'],
      ['callback_failed', 'no-answer', 'yes', '2'],
    ],
  )
  t.match(ev.find((e) => e['type'] === 'callback_failed'), { agent: 'g1', agent_state: 'available', number: NUMBER })
  t.match((await engine.snapshot('globex', 'help')).stats, { callbacks_requested: 1, callback_retries: 1, callbacks_failed: 1 })
})

t.test('a callback not made before it expires is reported and its owner told; a retry due after expiry gives up at once', async (t) => {
  const { engine, clock, notices, redis } = await engineFixture(t)
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb' })
  clock.advance(10_000)
  await engine.requestCallback('globex', 'cb', NUMBER)
  clock.advance(999_000)
  await engine.tick()
  t.ok(await engine.callState('globex', 'cb'), 'expiry counts from the request (1000 s)')
  clock.advance(1_000)
  await engine.tick()
  t.equal(await engine.callState('globex', 'cb'), undefined)
  const n = notices.find((x) => x.type === 'overflow') as OverflowNotice
  t.match(n, { call: 'cb', reason: 'callback-expired', target: 'hangup' })
  t.match((await history(redis, 'globex')).at(-1), { type: 'callback_failed', outcome: 'expired', final: 'yes' })
  t.equal((await engine.snapshot('globex', 'help')).callbacks, 0, 'expired: no longer pending')

  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'late' })
  await engine.requestCallback('globex', 'late', NUMBER)
  clock.advance(950_000)
  await engine.login('g1', ['globex'])
  await engine.answer('globex', 'late', 'g1')
  t.same(await engine.callbackResult('globex', 'help', 'late', 'failed'), { state: 'failed', attempt: 1 }, 'a retry 90 s later would pass the expiry')
})

t.test('callback requests are refused with a reason, and never cross tenants', async (t) => {
  const { engine } = await engineFixture(t)
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'acme-call' })
  await t.rejects(engine.requestCallback('acme', 'acme-call', NUMBER), { code: 'NO_CALLBACK' }, 'the queue offers none')
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'g-call' })
  await t.rejects(engine.requestCallback('acme', 'g-call', NUMBER), { code: 'NO_SUCH_CALL' }, "another tenant's call is not found")
  await t.rejects(engine.requestCallback('globex', 'g-call', '0612345678'), { code: 'BAD_NUMBER' })
  await engine.requestCallback('globex', 'g-call', NUMBER)
  await t.rejects(engine.requestCallback('globex', 'g-call', NUMBER), { code: 'CALLBACK_EXISTS' })
  await t.rejects(engine.callbackResult('globex', 'help', 'g-call', 'connected'), { code: 'NOT_CONNECTED' })
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'g-other' })
  await engine.login('g1', ['globex'])
  t.equal((await engine.callState('globex', 'g-call'))?.['state'], 'reserved', 'the callback, first in the queue, is offered to g1')
  await t.rejects(engine.requestCallback('globex', 'g-call', NUMBER), { code: 'NOT_WAITING' }, 'no request once an agent is ringing')
  await t.rejects(engine.callbackResult('globex', 'help', 'g-other', 'busy'), { code: 'NO_SUCH_CALLBACK' })
})

t.test('a reload that removes the offer: pending callbacks are still made, failures are not retried', async (t) => {
  const { engine, config } = await engineFixture(t)
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb1' })
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb2' })
  await engine.requestCallback('globex', 'cb1', NUMBER)
  await engine.requestCallback('globex', 'cb2', NUMBER)
  const help = config.tenants.get('globex')!.queues.find((q) => q.id === 'help')!
  const reloaded = { ...config, tenants: new Map(config.tenants) }
  reloaded.tenants.set('globex', { ...config.tenants.get('globex')!, queues: [{ ...help, callback: undefined }] })
  await engine.applyConfig(reloaded)
  await engine.login('g1', ['globex'])
  await engine.answer('globex', 'cb1', 'g1')
  t.same(await engine.callbackResult('globex', 'help', 'cb1', 'connected'), { state: 'connected', attempt: 1 })
  await engine.complete('globex', 'cb1')
  await engine.answer('globex', 'cb2', 'g1')
  t.same(await engine.callbackResult('globex', 'help', 'cb2', 'busy'), { state: 'failed', attempt: 1 })
})
