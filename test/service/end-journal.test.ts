// The ends of calls a Redis failover undid, on real Redis without SIP: the new master still shows
// a call connected (its agent on-call, its trunk channel held) whose end the old master had
// acknowledged; the journal ends it again, writes its call_ended once, releases the channel, and
// leaves alone the ends Redis kept.
import t from 'tap'
import { Call } from '../../src/call/call'
import { callEnded } from '../../src/call/steps/ending'
import { readHistory } from '../../src/events/history'
import { EndJournal } from '../../src/service/end-journal'
import { silentLogger } from '../../src/telemetry/logger'
import { TrunkChannels } from '../../src/trunks/channels'
import { engineFixture } from '../helpers/engine'

t.test('an end the failover undid is told again once; an end Redis kept is left alone; old ends are forgotten', async (t) => {
  const { engine, redis, config, clock } = await engineFixture(t)
  const globex = config.tenants.get('globex')!
  const trunk = globex.trunks[0]!
  const channels = new TrunkChannels(redis, config, 'test')
  let now = 1_000_000
  const journal = new EndJournal({ redis, engine, channels, log: silentLogger }, 60_000, 100, () => now)
  const answered = async (id: string) => {
    const call = new Call(globex, { id, queue: 'help', presented: '+441000' })
    call.attributes['trunk'] = trunk.id
    Object.assign(call, { phase: 'connected', agent: 'g1', lastAgent: 'g1', arrivedAt: clock.now(), firstAnsweredAt: clock.now(), connectedSince: clock.now() })
    t.ok(await channels.acquire(trunk, 'in', id))
    await engine.enqueue({ tenant: 'globex', queue: 'help', callId: id })
    await engine.answer('globex', id, 'g1')
    clock.advance(4000)
    return { tenant: 'globex', call: id, by: 'caller' as const, trunk: trunk.id, event: callEnded(call, { outcome: 'answered', reason: 'caller-hangup' }, 'caller', clock.now()) }
  }
  await engine.login('g1', ['globex'])

  // k1 ended for good: engine told, call_ended written, channel released
  const kept = await answered('k1')
  await engine.hangup('globex', 'k1', 'caller')
  await engine.record('globex', kept.event)
  await channels.release(trunk, 'in', 'k1')
  journal.told(kept)
  // k2's end was acknowledged by the old master and is not on the new one: told, but the state is
  // still the one before the end
  const undone = await answered('k2')
  journal.told(undone)
  t.equal((await engine.agentState('g1')).state, 'on-call', 'g1 is on-call for k2 on the new master')
  t.equal(await channels.count(trunk, 'in'), 1)

  t.same(await journal.replay(), { checked: 2, ended: 1, recorded: 1 }, 'k2 ended again and its call_ended written; k1 untouched')
  t.equal((await engine.agentState('g1')).state, 'available', 'g1 is free')
  t.equal(await engine.callState('globex', 'k2'), undefined, 'k2 left the ACD')
  t.equal(await channels.count(trunk, 'in'), 0, "k2's trunk channel released")
  const ends = (await readHistory(redis, 'shared', 'globex', { types: ['call_ended'] })).map((e) => [e.call, e.outcome, e.agent])
  t.same(ends, [['k1', 'answered', 'g1'], ['k2', 'answered', 'g1']], 'one call_ended per call')
  t.equal((await readHistory(redis, 'shared', 'globex', { types: ['completed'], call: 'k2' })).length, 1, 'k2 completed once in the engine')

  t.same(await journal.replay(), { checked: 2, ended: 0, recorded: 0 }, 'a second connection finds nothing to tell again')
  t.equal((await readHistory(redis, 'shared', 'globex', { types: ['call_ended'] })).length, 2)

  now += 60_001
  t.same(await journal.replay(), { checked: 0, ended: 0, recorded: 0 }, 'ends older than the window are forgotten')
  t.equal(journal.size, 0)
})

t.test('the journal is bounded: the oldest ends go first', async (t) => {
  const { engine, redis, config } = await engineFixture(t)
  const journal = new EndJournal({ redis, engine, channels: new TrunkChannels(redis, config, 'test'), log: silentLogger }, 60_000, 3)
  const event = { type: 'call_ended', call: 'x', outcome: 'answered', reason: 'caller-hangup', ended_by: 'caller' } as const
  for (const id of ['c1', 'c2', 'c3', 'c4']) journal.told({ tenant: 'globex', call: id, by: 'caller', event: { ...event, call: id } })
  t.equal(journal.size, 3)
  t.same(await journal.replay(), { checked: 3, ended: 0, recorded: 0 }, 'calls unknown to the engine: nothing to tell')
})
