import t from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { InstanceWatch } from '../../src/acd/recovery'
import { readHistory } from '../../src/events/history'
import { silentLogger } from '../../src/telemetry/logger'
import { engineFixture } from '../helpers/engine'
import { checkInvariants, dumpPool } from '../helpers/invariants'

const NUMBER = '+447700900123'

/** Instance "dead" holds calls in every stage, then stops; "s1" and "s2" survive. */
async function fixture(t: Parameters<typeof engineFixture>[0]) {
  const f = await engineFixture(t, 'longest-idle', 'dead')
  const { redis, config, clock, engine: dead } = f
  const survivor = (id: string) => new AcdEngine(redis, config, { instanceId: id, clock })
  const s1 = survivor('s1')
  const s2 = survivor('s2')
  // connected: a2 talks on acme/sales
  await dead.login('a2', ['acme'])
  await dead.enqueue({ tenant: 'acme', queue: 'sales', callId: 'talking' })
  await dead.answer('acme', 'talking', 'a2')
  // ringing: a1 reserved for acme/sales
  await dead.login('a1', ['acme'])
  await dead.enqueue({ tenant: 'acme', queue: 'sales', callId: 'ringing' })
  // waiting: nobody else for sales
  await dead.enqueue({ tenant: 'acme', queue: 'sales', callId: 'waiting' })
  // callbacks on globex/help: one waiting, one ringing g1
  await dead.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb-ringing' })
  await dead.requestCallback('globex', 'cb-ringing', NUMBER)
  await dead.enqueue({ tenant: 'globex', queue: 'help', callId: 'cb-waiting' })
  await dead.requestCallback('globex', 'cb-waiting', NUMBER)
  await dead.login('g1', ['globex'])
  // a call of a live instance: untouched
  await s1.enqueue({ tenant: 'initech', queue: 'help', callId: 'alive-call' })
  await redis.set(keys.alive('shared', 's1'), '1', 'PX', 60_000)
  await redis.sadd(keys.instances('shared'), 'dead', 's1', 's2')
  return { ...f, s1, s2 }
}

t.test("a stopped instance: its ringing agents freed without a no-answer, connected calls completed, callbacks adopted, the rest ended once", async (t) => {
  const { redis, s1, s2, engine: dead } = await fixture(t)
  t.match(await dead.callState('globex', 'cb-ringing'), { state: 'reserved', agents: 'g1' })
  t.match(await dead.callState('acme', 'ringing'), { state: 'reserved', agents: 'a1' })
  t.equal(await s1.recoverInstance('shared', 's1').catch((e: { code?: string }) => e.code), 'SELF', 'an instance cannot recover itself')
  t.equal(await s2.recoverInstance('shared', 's1'), undefined, 'a live instance is left alone')
  // both survivors see the stop at once: each thing is recovered once
  const [a, b] = await Promise.all([s1.recoverInstance('shared', 'dead'), s2.recoverInstance('shared', 'dead')])
  const done = [a, b].filter((r) => r && (r.ended.length || r.adopted))
  t.equal(done.length, 1, 'one survivor did the work, the other found nothing left')
  const r = done[0]!
  t.equal(r.adopted, 2, 'two callbacks adopted')
  t.equal(r.released, 2, 'two ringing agents released (a1, g1)')
  t.same(r.ended.map((e) => `${e.call}:${e.stage}`).sort(), ['ringing:reserved', 'talking:connected', 'waiting:waiting'])
  t.match(r.ended.find((e) => e.call === 'talking'), { agent: 'a2', tenant: 'acme' })
  const adopter = a && a.adopted ? 's1' : 's2'
  for (const id of ['cb-waiting', 'cb-ringing']) t.match(await dead.callState('globex', id), { state: id === 'cb-ringing' ? 'reserved' : 'waiting', owner: adopter }, `${id} kept, owned by the survivor`)
  t.match(await dead.callState('globex', 'cb-ringing'), { agents: 'g1' }, 'the freed agent takes the adopted callback again, for its new owner')
  t.equal((await dead.agentState('a1')).state, 'available', 'the ringing agent is free')
  t.equal((await redis.hget(keys.agent('shared', 'a1'), 'rna')) ?? '0', '0', 'no no-answer counted against it')
  t.equal((await dead.agentState('a2')).state, 'available', 'the connected agent is freed (sales has no wrap-up)')
  t.equal(await dead.callState('acme', 'waiting'), undefined)
  t.ok(await dead.callState('initech', 'alive-call'), "the live instance's call is untouched")
  t.notOk((await redis.smembers(keys.instances('shared'))).includes('dead'), 'no longer listed')
  t.equal(await redis.exists(keys.instanceCalls('shared', 'dead'), keys.offers('shared', 'dead')), 0, 'its index and offer list are gone')
  t.same(checkInvariants(await dumpPool(redis, 'shared'), 'shared'), [], 'the pool is consistent')
  const acme = await readHistory(redis, 'shared', 'acme', { call: 'talking' })
  t.match(acme.at(-1), { type: 'completed', agent: 'a2', ended_by: 'system' })
})

t.test('the watch: survivors find the stopped instance by its expired heartbeat and write each lost call\'s end once', async (t) => {
  const { redis, s1, s2 } = await fixture(t)
  const w1 = new InstanceWatch(redis, s1, silentLogger)
  const w2 = new InstanceWatch(redis, s2, silentLogger)
  await redis.set(keys.alive('shared', 's2'), '1', 'PX', 60_000)
  await w1.announce()
  const [r1, r2] = await Promise.all([w1.sweep(), w2.sweep()])
  t.same([...r1, ...r2].map((r) => `${r.instance}:${r.ended}:${r.adopted}`), ['dead:3:2'], 'recovered once, by one of them')
  const ended = [...(await readHistory(redis, 'shared', 'acme', { types: ['call_ended'] })), ...(await readHistory(redis, 'shared', 'globex', { types: ['call_ended'] }))]
  t.same(ended.map((e) => `${e.call}:${e.outcome}`).sort(), ['ringing:instance-lost', 'talking:instance-lost', 'waiting:instance-lost'], 'one call_ended per lost call, in its tenant')
  t.match(ended.find((e) => e.call === 'talking'), { reason: 'instance-lost:dead', agent: 'a2' })
  t.same(await w1.sweep(), [], 'nothing left to do')
})
