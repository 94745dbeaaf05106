// Two instances of the service on one Redis, each with its own drachtio-server: one is killed
// (SIGKILL) with a call connected and one waiting; the survivor notices within 10 s and recovers
// what it held, once; its own calls are untouched. No media server.
import t from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { Registrar } from '../../src/agents/registrar'
import { parseConfig } from '../../src/config/load'
import { readHistory } from '../../src/events/history'
import { startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { TrunkChannels } from '../../src/trunks/channels'
import { requireBinaries } from '../helpers/binaries'
import { e2ePlatform } from '../helpers/e2e-platform'
import { checkInvariants, dumpPool } from '../helpers/invariants'
import { withRedis } from '../helpers/redis'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('an instance killed mid-call: the survivor frees its agents, channels and calls within 10 s', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const { redis, server } = await withRedis(t)
  const yaml = e2ePlatform({ wrapUp: 1 })
  const config = parseConfig(yaml, 'e2e.yaml')
  const engine = new AcdEngine(redis, config, { instanceId: 'e2e-observer' })
  const channels = new TrunkChannels(redis, config, 'e2e-observer')
  const trunk = config.tenants.get('gridco')!.trunks[0]!
  const da = await startDrachtio(t)
  const db = await startDrachtio(t)
  const a = await startApp(t, { configYaml: yaml, redisUrl: server.url, instanceId: 'site-a', drachtio: { host: da.host, adminPort: da.adminPort, secret: da.secret } })
  const b = await startApp(t, { configYaml: yaml, redisUrl: server.url, instanceId: 'site-b', drachtio: { host: db.host, adminPort: db.adminPort, secret: db.secret } })

  // alice answers on instance a's call; bruno takes instance b's call
  const alicePhone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 1, timeoutMs: 60_000, args: ['-set', 'ring', '100'] })
  t.teardown(() => alicePhone.stop())
  const registrar = new Registrar(redis, config)
  await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${alicePhone.port}`, '127.0.0.10', 300)
  await engine.login('alice', ['gridco'])
  const talking = runSipp({ scenario: 'uac-caller', target: `${da.host}:${da.sipPort}`, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'talk', '30000'], timeoutMs: 45_000 })
  for (const until = Date.now() + 10_000; (await engine.agentState('alice')).state !== 'on-call' && Date.now() < until; ) await sleep(100)
  t.equal((await engine.agentState('alice')).state, 'on-call', "alice talks on instance a's call")
  // a second caller on a waits (nobody else is free on a's side for gridco: bruno logs in later)
  const waiting = runSipp({ scenario: 'uac-caller-remote-bye', target: `${da.host}:${da.sipPort}`, localIp: '127.0.0.2', args: ['-s', '+33972000002'], timeoutMs: 45_000 })
  await sleep(1000)
  t.equal(await channels.count(trunk, 'in'), 2, 'two inbound channels held by instance a')
  t.equal((await redis.smembers(keys.instanceCalls('e2e', 'site-a'))).length, 2)

  const killedAt = Date.now()
  a.proc.kill('SIGKILL')
  for (; Date.now() - killedAt < 15_000; await sleep(200)) {
    if ((await channels.count(trunk, 'in')) === 0 && (await engine.agentState('alice')).state !== 'on-call') break
  }
  const tookMs = Date.now() - killedAt
  t.ok(tookMs < 10_000, `noticed and recovered ${tookMs} ms after the kill`)
  t.equal(await channels.count(trunk, 'in'), 0, "instance a's trunk channels freed")
  t.not((await engine.agentState('alice')).state, 'on-call', 'alice is no longer stuck on a call nobody carries')
  t.equal(await redis.exists(keys.instanceCalls('e2e', 'site-a')), 0)
  const ended = await readHistory(redis, 'e2e', 'gridco', { types: ['call_ended'] })
  t.equal(ended.filter((e) => e.outcome === 'instance-lost').length, 2, 'both of its calls closed in the history as instance-lost, once each')
  t.same(checkInvariants(await dumpPool(redis, 'e2e'), 'e2e'), [], 'the engine is consistent')

  // the survivor serves on
  const brunoPhone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.11', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '100'] })
  t.teardown(() => brunoPhone.stop())
  await registrar.register(config.tenants.get('gridco')!, config.agents.get('bruno')!, `sip:bruno@127.0.0.11:${brunoPhone.port}`, '127.0.0.11', 300)
  await engine.logout('alice').catch(() => undefined)
  await engine.login('bruno', ['gridco'])
  const c = await runSipp({ scenario: 'uac-caller', target: `${db.host}:${db.sipPort}`, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'talk', '500'], timeoutMs: 30_000 })
  t.equal(c.code, 0, `instance b answers and connects a new call: ${c.errors}`)
  t.equal((await brunoPhone.done).code, 0)
  t.ok((await b.health())['ok'], 'instance b is ready')
  await Promise.allSettled([talking, waiting])
})
