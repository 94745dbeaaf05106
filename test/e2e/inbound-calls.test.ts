// End to end over SIP without a media server: real drachtio-server, redis-server, the service and
// SIPp callers and agent phones on loopback. Callers hear ringback until an agent answers.
import t from 'tap'
import Redis from 'ioredis'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { Registrar } from '../../src/agents/registrar'
import { parseConfig } from '../../src/config/load'
import { TrunkChannels } from '../../src/trunks/channels'
import { startApp } from '../../src/stack/app'
import { requireBinaries } from '../helpers/binaries'
import { startDrachtio } from '../../src/stack/drachtio'
import { e2ePlatform } from '../helpers/e2e-platform'
import { withRedis } from '../helpers/redis'
import { runSipp, startSippUas } from '../../src/stack/sipp'

const GRIDCO_DDI = '+33972000001'

async function events(redis: Redis, tenant: string): Promise<Record<string, string>[]> {
  return (await redis.xrange(keys.events('e2e', tenant), '-', '+')).map(([, f]) => {
    const o: Record<string, string> = {}
    for (let i = 0; i < f.length; i += 2) o[f[i]!] = f[i + 1]!
    return o
  })
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

t.test('inbound calls over SIP (no media server)', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const { redis, server } = await withRedis(t)
  // the carrier behind gridco's outbound trunk: a SIPp phone answering for remote agents
  const carrier = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.2', calls: 2, timeoutMs: 120_000, args: ['-set', 'ring', '200'] })
  t.teardown(() => carrier.stop())
  const yaml = e2ePlatform({ maxInbound: 2, outboundProxy: `127.0.0.2:${carrier.port}` })
  const config = parseConfig(yaml, 'e2e.yaml')
  const drachtio = await startDrachtio(t)
  const app = await startApp(t, { configYaml: yaml, redisUrl: server.url, drachtio: { host: drachtio.host, adminPort: drachtio.adminPort, secret: drachtio.secret } })
  const engine = new AcdEngine(redis, config, { instanceId: 'e2e-observer' })
  const registrar = new Registrar(redis, config)
  const channels = new TrunkChannels(redis, config, 'e2e-observer')
  const target = `${drachtio.host}:${drachtio.sipPort}`
  const gridTrunk = config.tenants.get('gridco')!.trunks[0]!
  const channelsInUse = () => channels.count(gridTrunk, 'in')
  t.teardown(() => engine.removeAllListeners())

  t.test('refusals: unknown source 403, unknown DDI 404, another tenant\'s DDI 403', async (t) => {
    t.equal((await runSipp({ scenario: 'uac-refused-403', target, localIp: '127.0.0.9', args: ['-s', GRIDCO_DDI] })).code, 0, 'unknown source')
    t.equal((await runSipp({ scenario: 'uac-refused-404', target, localIp: '127.0.0.2', args: ['-s', '+33972000099'] })).code, 0, 'unknown DDI')
    t.equal((await runSipp({ scenario: 'uac-refused-403', target, localIp: '127.0.0.2', args: ['-s', '+33972000011'] })).code, 0, "voltsupply's DDI on gridco's trunk")
    t.equal(await channelsInUse(), 0)
  })

  t.test('REGISTER with digest: good credentials register, bad ones are refused', async (t) => {
    const ok = await runSipp({ scenario: 'register', target, localIp: '127.0.0.10', args: ['-s', 'alice', '-ap', 'alice-secret', '-set', 'domain', 'gridco.acd.local', '-set', 'contact', '127.0.0.10:5999'] })
    t.equal(ok.code, 0, `register: ${ok.errors}`)
    t.match(await registrar.contactFor('alice', 'gridco'), { tenant: 'gridco', contact: /alice@127\.0\.0\.10:5999/ })
    const bad = await runSipp({ scenario: 'register-bad', target, localIp: '127.0.0.11', args: ['-s', 'emma', '-ap', 'wrong', '-set', 'domain', 'voltsupply.acd.local'] })
    t.equal(bad.code, 0, `bad password refused: ${bad.errors}`)
    // emma may not register in gridco's realm, even with her own password
    const cross = await runSipp({ scenario: 'register-bad', target, localIp: '127.0.0.12', args: ['-s', 'emma', '-ap', 'emma-secret', '-set', 'domain', 'gridco.acd.local'] })
    t.equal(cross.code, 0, `cross-tenant registration refused: ${cross.errors}`)
    t.equal(await registrar.contactFor('emma', 'voltsupply'), undefined)
  })

  t.test('a caller reaches the logged-in agent, talks, and both legs end', async (t) => {
    const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '300'] })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco'])
    const caller = await runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'talk', '1000'] })
    t.equal(caller.code, 0, `caller: ${caller.errors}`)
    t.equal((await phone.done).code, 0, 'agent phone saw the call through')
    const ev = await until('completed event', async () => {
      const e = await events(redis, 'gridco')
      return e.some((x) => x['type'] === 'completed') && e
    })
    const connected = ev.find((x) => x['type'] === 'connected')!
    t.match(connected, { agent: 'alice', queue: 'outages', tenant: 'gridco' })
    t.match(ev.find((x) => x['type'] === 'completed'), { agent: 'alice', call: connected['call'] })
    t.match(await engine.agentState('alice'), { state: /wrap-up|available/ })
    await until('channel released', async () => (await channelsInUse()) === 0)
    await until('alice back to available after wrap-up', async () => (await engine.agentState('alice')).state === 'available')
    t.pass('trunk channel back to 0, agent available')
  })

  t.test('caller hangs up while queued: abandoned, channel released', async (t) => {
    await engine.pause('alice', 'break')
    const caller = await runSipp({ scenario: 'uac-caller-cancel', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'wait', '800'] })
    t.equal(caller.code, 0, `caller: ${caller.errors}`)
    const ev = await until('abandoned', async () => (await events(redis, 'gridco')).find((x) => x['type'] === 'abandoned' && x['stage'] === 'queued'))
    t.ok(ev)
    await until('channel released', async () => (await channelsInUse()) === 0)
    await engine.unpause('alice')
  })

  t.test('agent lets it ring: reservation expires, no-answer counted, caller then hangs up', async (t) => {
    // rung twice: the expired offer goes back and, alice being the only agent, comes to her again
    const phone = await startSippUas({ scenario: 'uas-agent-noanswer', localIp: '127.0.0.10', calls: 2, timeoutMs: 20_000 })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    const caller = await runSipp({ scenario: 'uac-caller-cancel', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'wait', '2600'] })
    t.equal(caller.code, 0, `caller: ${caller.errors}`)
    const rung = await phone.done
    t.equal(rung.code, 0, `agent phone was rung, then cancelled, twice: ${rung.errors}`)
    t.ok((await events(redis, 'gridco')).some((x) => x['type'] === 'returned' && x['agent'] === 'alice' && x['reason'] === 'ring-timeout'))
    t.equal(await redis.hget(keys.agent('e2e', 'alice'), 'rna'), '1')
    await until('channel released', async () => (await channelsInUse()) === 0)
  })

  t.test('busy agent: the call goes back and the busy is recorded', async (t) => {
    const phone = await startSippUas({ scenario: 'uas-agent-busy', localIp: '127.0.0.10', calls: 1, timeoutMs: 20_000 })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    const caller = await runSipp({ scenario: 'uac-caller-cancel', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'wait', '1000'] })
    t.equal(caller.code, 0, `caller: ${caller.errors}`)
    t.equal((await phone.done).code, 0)
    t.ok((await events(redis, 'gridco')).some((x) => x['type'] === 'returned' && x['agent'] === 'alice' && x['reason'] === 'busy'))
    await until('channel released', async () => (await channelsInUse()) === 0)
    await engine.logout('alice')
  })

  t.test('channel cap: a call over the trunk\'s inbound cap gets 503 with Retry-After', async (t) => {
    const held = [0, 1].map(() => runSipp({ scenario: 'uac-caller-cancel', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'wait', '2500'] }))
    await until('two channels taken', async () => (await channelsInUse()) === 2)
    const over = await runSipp({ scenario: 'uac-refused-503', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI] })
    t.equal(over.code, 0, `third call refused with 503: ${over.errors}`)
    for (const r of await Promise.all(held)) t.equal(r.code, 0)
    await until('channels released', async () => (await channelsInUse()) === 0)
    t.match(await app.metrics(), /sip_calls_rejected_total\{tenant="gridco",reason="channels-full"\} 1/)
  })

  t.test('feature codes from the agent phone log in and pause (digest-authenticated)', async (t) => {
    const login = await runSipp({ scenario: 'feature-code', target, localIp: '127.0.0.10', args: ['-s', '*41', '-au', 'bruno', '-ap', 'bruno-secret', '-set', 'user', 'bruno', '-set', 'domain', 'voltsupply.acd.local'] })
    t.equal(login.code, 0, `*41: ${login.errors}`)
    t.match(await engine.agentState('bruno'), { state: 'available', tenants: ['voltsupply'] }, 'logged in to the realm tenant only: gridco is incompatible')
    const pause = await runSipp({ scenario: 'feature-code', target, localIp: '127.0.0.10', args: ['-s', '*43*7', '-au', 'bruno', '-ap', 'bruno-secret', '-set', 'user', 'bruno', '-set', 'domain', 'voltsupply.acd.local'] })
    t.equal(pause.code, 0)
    t.match(await engine.agentState('bruno'), { state: 'paused', reason: 'code-7' })
    await engine.logout('bruno')
  })

  t.test('blind transfer by the agent to another queue of the tenant; a cross-tenant transfer is refused', async (t) => {
    // alice transfers to queue "second" (ring-all), where bruno's phone answers
    const alicePhone = await startSippUas({ scenario: 'uas-agent-answer-refer', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '200', '-set', 'talk', '500', '-set', 'refer_to', 'queue-second'] })
    const brunoPhone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.11', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '200'] })
    t.teardown(() => Promise.all([alicePhone.stop(), brunoPhone.stop()]))
    const gridco = config.tenants.get('gridco')!
    await registrar.register(gridco, config.agents.get('alice')!, `sip:alice@127.0.0.10:${alicePhone.port}`, '127.0.0.10', 300)
    await registrar.register(gridco, config.agents.get('bruno')!, `sip:bruno@127.0.0.11:${brunoPhone.port}`, '127.0.0.11', 300)
    await engine.login('alice', ['gridco'])
    const before = (await events(redis, 'gridco')).length
    const caller = runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'talk', '4000'], timeoutMs: 30_000 })
    await until('alice connected', async () => (await engine.agentState('alice')).state === 'on-call')
    await engine.login('bruno', ['gridco'])
    const c = await caller
    t.equal(c.code, 0, `caller stayed on through the transfer: ${c.errors}`)
    t.equal((await alicePhone.done).code, 0, `alice's phone: transfer accepted, NOTIFY and BYE received`)
    const bp = await brunoPhone.done
    t.equal(bp.code, 0, "bruno's phone took the transferred call")
    // the service records the end of the call just after the caller's BYE is answered
    await until('channel released', async () => (await channelsInUse()) === 0)
    const seqOf = async () =>
      (await events(redis, 'gridco'))
        .slice(before)
        .filter((e) => ['connected', 'completed', 'enqueued'].includes(e['type']!))
        .map((e) => `${e['type']}:${e['queue']}:${e['agent'] ?? ''}`)
    await until('the call completed with bruno', async () => (await seqOf()).includes('completed:second:bruno')).catch(() => undefined)
    t.same(await seqOf(), ['enqueued:outages:', 'connected:outages:alice', 'completed:outages:alice', 'enqueued:second:', 'connected:second:bruno', 'completed:second:bruno'])
    await engine.logout('bruno')

    const refused = await startSippUas({ scenario: 'uas-agent-answer-refer-refused', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '200', '-set', 'talk', '300', '-set', 'refer_to', '+33972000011'] })
    t.teardown(() => refused.stop())
    await registrar.register(gridco, config.agents.get('alice')!, `sip:alice@127.0.0.10:${refused.port}`, '127.0.0.10', 300)
    await until('alice available', async () => (await engine.agentState('alice')).state === 'available')
    const c2 = await runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'talk', '2000'], timeoutMs: 30_000 })
    t.equal(c2.code, 0, `caller: ${c2.errors}`)
    t.equal((await refused.done).code, 0, "transfer to voltsupply's number refused with 403, the call went on")
    await until('channel released', async () => (await channelsInUse()) === 0)
    await engine.logout('alice')
  })

  t.test('a remote agent without a registered phone is rung on the external number through the outbound trunk', async (t) => {
    await engine.login('remi', ['gridco'])
    const caller = runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'talk', '1500'], timeoutMs: 30_000 })
    await until('remi on a call', async () => (await engine.agentState('remi')).state === 'on-call')
    t.equal(await channels.count(gridTrunk, 'out'), 1, 'one outbound channel held by the remote agent leg')
    const c = await caller
    t.equal(c.code, 0, `caller: ${c.errors}`)
    await until('outbound channel released', async () => (await channels.count(gridTrunk, 'out')) === 0)
    await engine.logout('remi').catch(() => undefined)
  })

  t.test('blind transfer to an allowed outside number goes out through the tenant\'s trunk', async (t) => {
    const phone = await startSippUas({ scenario: 'uas-agent-answer-refer', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '200', '-set', 'talk', '300', '-set', 'refer_to', '+33611112222'] })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await until('alice available', async () => (await engine.agentState('alice')).state !== 'wrap-up').catch(() => undefined)
    if ((await engine.agentState('alice')).state === 'logged-out') await engine.login('alice', ['gridco'])
    const caller = runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'talk', '3000'], timeoutMs: 30_000 })
    await until('outbound leg up', async () => (await channels.count(gridTrunk, 'out')) === 1)
    const c = await caller
    t.equal(c.code, 0, `caller: ${c.errors}`)
    t.equal((await phone.done).code, 0, "alice's phone: transfer accepted")
    const carried = await carrier.done
    t.equal(carried.code, 0, 'the carrier took both outside calls')
    t.match(carried.messages, /INVITE sip:\+33698765432@127\.0\.0\.2/, 'the remote agent')
    t.match(carried.messages, /INVITE sip:\+33611112222@127\.0\.0\.2/, 'the transfer target')
    await until('outbound channel released', async () => (await channels.count(gridTrunk, 'out')) === 0)
    await engine.logout('alice').catch(() => undefined)
  })

  t.test('hold and unhold from the agent phone are relayed to the caller (re-INVITEs)', async (t) => {
    const phone = await startSippUas({ scenario: 'uas-agent-hold', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000 })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco']).catch(() => undefined)
    await until('alice available', async () => (await engine.agentState('alice')).state === 'available')
    const c = await runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', GRIDCO_DDI, '-set', 'talk', '3000'], timeoutMs: 30_000 })
    t.equal(c.code, 0, `caller answered both re-INVITEs and hung up: ${c.errors}`)
    const p = await phone.done
    t.equal(p.code, 0, `agent phone got an SDP answer to hold and unhold: ${p.errors}`)
    await until('channel released', async () => (await channelsInUse()) === 0)
    await engine.logout('alice').catch(() => undefined)
  })

  t.test('every scenario left no trunk channel and no call behind', async (t) => {
    t.equal(await channelsInUse(), 0)
    t.equal(await channels.count(gridTrunk, 'out'), 0)
    t.same(await redis.keys('acd:{e2e}:t:*:call:*'), [])
    const health = await app.health()
    t.match(health, { ok: true, calls: 0 })
  })
})
