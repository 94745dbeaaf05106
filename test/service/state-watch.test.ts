// Redis losing its data, on real Redis without SIP: the instance's snapshot of the agents and the
// calls it holds are told again once the epoch shows the loss; nothing is told when it does not.
import t from 'tap'
import { Call } from '../../src/call/call'
import type { CallFlow } from '../../src/call/call-flow'
import { keys } from '../../src/acd/keys'
import { readHistory } from '../../src/events/history'
import { StateWatch } from '../../src/service/state-watch'
import { silentLogger } from '../../src/telemetry/logger'
import { TrunkChannels } from '../../src/trunks/channels'
import { engineFixture } from '../helpers/engine'

t.test('a connected call, a waiting caller, an idle and a paused agent come back after a wipe', async (t) => {
  const { engine, redis, config, clock } = await engineFixture(t)
  const globex = config.tenants.get('globex')!
  const channels = new TrunkChannels(redis, config, 'test')
  await engine.login('a2', ['acme'])
  await engine.login('a3', ['acme'])
  await engine.pause('a3', 'lunch')
  await engine.login('g1', ['globex'])
  const connected = new Call(globex, { id: 'k1', queue: 'help', presented: '+441000', callerNumber: '+447700900001' })
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'k1' })
  await engine.answer('globex', 'k1', 'g1')
  Object.assign(connected, { phase: 'connected', agent: 'g1', arrivedAt: clock.now() - 5000, connectedSince: clock.now() - 3000 })
  connected.attributes['trunk'] = 'globex-carrier'
  const waiting = new Call(globex, { id: 'k2', queue: 'help', presented: '+441000' })
  Object.assign(waiting, { phase: 'queued', arrivedAt: clock.now() - 1000 })
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'k2' })
  const flows = [connected, waiting].map((call) => ({ call, deps: { engine } }) as unknown as CallFlow)
  const watch = new StateWatch({ redis, engine, channels, calls: () => flows, log: silentLogger })
  await watch.begin()
  await watch.snapshot()

  await watch.check()
  t.equal((await readHistory(redis, 'shared', 'globex')).filter((e) => e.type === 'restored').length, 0, 'no loss, nothing told again')

  await redis.flushall()
  await engine.applyConfig(config)
  await watch.snapshot() // the epoch is gone: the last snapshot is kept
  await watch.check()
  t.match(await engine.callState('globex', 'k1'), { state: 'connected', agent: 'g1', owner: 'test' })
  t.equal((await engine.agentState('g1')).state, 'on-call')
  t.equal((await engine.agentState('g1')).call, 'globex/k1')
  t.match(await engine.callState('globex', 'k2'), { state: 'waiting', enq: String(clock.now() - 1000) })
  t.equal((await engine.agentState('a2')).state, 'available')
  t.match(await engine.agentState('a3'), { state: 'paused', reason: 'lunch', tenants: ['acme'] })
  t.equal(await channels.count(globex.trunks[0]!, 'in'), 1, "the connected call's trunk channel")
  t.ok(await redis.get(keys.epoch('shared')), 'a new epoch')
  t.same((await readHistory(redis, 'shared', 'globex')).map((e) => e.type), ['restored', 'enqueued'])

  await watch.check()
  t.equal((await readHistory(redis, 'shared', 'globex')).length, 2, 'told once per loss')
  clock.advance(10_000)
  await engine.complete('globex', 'k1', 'caller')
  const after = (await readHistory(redis, 'shared', 'globex')).slice(2)
  t.match(after, [{ type: 'completed', call: 'k1', agent: 'g1', talk_ms: 13_000 }, { type: 'reserved', call: 'k2', agents: ['g1'] }], 'the call ends as usual; g1, free, takes the waiting caller')
})

t.test('after a failover that kept the state: a waiting caller whose place was undone is put back in its queue; the others are left alone', async (t) => {
  const { engine, redis, config, clock } = await engineFixture(t)
  const globex = config.tenants.get('globex')!
  const channels = new TrunkChannels(redis, config, 'test')
  const waitingCall = (id: string) => {
    const call = new Call(globex, { id, queue: 'help', presented: '+441000' })
    Object.assign(call, { phase: 'queued', arrivedAt: clock.now() - 2000 })
    return call
  }
  const kept = waitingCall('w1')
  const undone = waitingCall('w2') // its enqueue went to the old master, and was lost with it
  const ended = waitingCall('w3')
  ended.phase = 'ended'
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'w1' })
  const flows = [kept, undone, ended].map((call) => ({ call, deps: { engine } }) as unknown as CallFlow)
  const watch = new StateWatch({ redis, engine, channels, calls: () => flows, log: silentLogger })
  await watch.begin()
  await watch.check()
  t.match(await engine.callState('globex', 'w2'), { state: 'waiting', enq: String(clock.now() - 2000) }, 'w2 back in its queue from its arrival time')
  t.equal(await engine.callState('globex', 'w3'), undefined, 'an ended call is not put back')
  t.same((await readHistory(redis, 'shared', 'globex', { types: ['enqueued'] })).map((e) => e.call), ['w1', 'w2'], 'w1 left as it was')
  await watch.check()
  t.equal((await readHistory(redis, 'shared', 'globex', { types: ['enqueued'] })).length, 2, 'told once')
})
