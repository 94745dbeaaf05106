// End to end over SIP (no media server): Redis restarts (with its append-only file) while a call is
// connected and the call ends during the outage; once Redis is back the service tells the engine
// what it missed, and the agent is freed without a manual step.
import t from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { Registrar } from '../../src/agents/registrar'
import { parseConfig } from '../../src/config/load'
import { readHistory } from '../../src/events/history'
import { startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { requireBinaries } from '../helpers/binaries'
import { withRedis } from '../helpers/redis'
import { e2ePlatform } from '../helpers/e2e-platform'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('a call that ends while Redis is away is reconciled in the engine when it returns', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const { server, redis } = await withRedis(t, { persistent: true })
  const yaml = e2ePlatform({ wrapUp: 1 })
  const config = parseConfig(yaml, 'e2e.yaml')
  const drachtio = await startDrachtio(t)
  await startApp(t, { configYaml: yaml, redisUrl: server.url, drachtio: { host: drachtio.host, adminPort: drachtio.adminPort, secret: drachtio.secret } })
  const engine = new AcdEngine(redis, config, { instanceId: 'e2e-observer' })
  const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 1, timeoutMs: 60_000, args: ['-set', 'ring', '100'] })
  t.teardown(() => phone.stop())
  await new Registrar(redis, config).register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
  await engine.login('alice', ['gridco'])
  const caller = runSipp({ scenario: 'uac-caller', target: `${drachtio.host}:${drachtio.sipPort}`, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'talk', '3000'], timeoutMs: 30_000 })
  for (const until = Date.now() + 10_000; (await engine.agentState('alice')).state !== 'on-call' && Date.now() < until; ) await sleep(100)
  t.equal((await engine.agentState('alice')).state, 'on-call')
  await server.down()
  const c = await caller // the caller hangs up while Redis is away
  t.equal(c.code, 0, `the call itself went to its end: ${c.errors}`)
  await sleep(500)
  await server.up()
  let state = ''
  for (const until = Date.now() + 15_000; Date.now() < until; await sleep(200)) {
    state = await engine.agentState('alice').then((s) => s.state, () => 'unreachable')
    if (state !== 'on-call' && state !== 'unreachable') break
  }
  t.not(state, 'on-call', `alice is no longer on a call that ended during the outage (${state})`)
  const ended = await readHistory(redis, 'e2e', 'gridco', { types: ['call_ended', 'completed'] })
  t.same(ended.map((e) => e.type), ['completed', 'call_ended'], 'the end of the call is in the history, once')
  t.match(ended.at(-1), { outcome: 'answered', agent: 'alice' })
})
