// The administration API on the real SIP stack: two instances of the service on one Redis, each
// with its own drachtio-server; while SIPp calls are connected and one waits, a queue's strategy
// and an agent's skills are changed over HTTP on one instance. No call is dropped, both instances
// apply the new version, and the next calls (through either instance) follow the new rules. Then a
// supervisor on one instance moves a call waiting on the other to another queue, where it is answered.
import t from 'tap'
import { Registrar } from '../../src/agents/registrar'
import { bootstrapToken } from '../../src/admin/cli/bootstrap-token'
import { parseConfig } from '../../src/config/load'
import { readHistory } from '../../src/events/history'
import { readLog, startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { AcdEngine } from '../../src/acd/engine'
import { requireBinaries } from '../helpers/binaries'
import { e2ePlatform } from '../helpers/e2e-platform'
import { withRedis } from '../helpers/redis'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const DDI = '+33972000001'

t.test("a queue's strategy and an agent's skills changed by API while calls flow, on two instances", async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const { redis, server } = await withRedis(t)
  const yaml = e2ePlatform({ wrapUp: 1, ringTimeout: 5 })
  const config = parseConfig(yaml, 'e2e.yaml')
  const observer = new AcdEngine(redis, config, { instanceId: 'e2e-observer' })
  const da = await startDrachtio(t)
  const db = await startDrachtio(t)
  const a = await startApp(t, { configYaml: yaml, redisUrl: server.url, instanceId: 'site-a', drachtio: { host: da.host, adminPort: da.adminPort, secret: da.secret } })
  const b = await startApp(t, { configYaml: yaml, redisUrl: server.url, instanceId: 'site-b', drachtio: { host: db.host, adminPort: db.adminPort, secret: db.secret } })
  let printed = ''
  t.equal(await bootstrapToken(['--name', 'e2e'], { REDIS_URL: server.url }, (s) => (printed += s)), 0)
  const token = (JSON.parse(printed) as { token: string }).token
  const api = async (base: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined })
    return { status: res.status, etag: res.headers.get('etag'), body: (await res.json().catch(() => undefined)) as Record<string, unknown> }
  }

  const alicePhone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 4, timeoutMs: 90_000, args: ['-set', 'ring', '200'] })
  const brunoPhone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.11', calls: 2, timeoutMs: 90_000, args: ['-set', 'ring', '200'] })
  t.teardown(() => Promise.all([alicePhone.stop(), brunoPhone.stop()]))
  const registrar = new Registrar(redis, config)
  await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${alicePhone.port}`, '127.0.0.10', 300)
  await registrar.register(config.tenants.get('gridco')!, config.agents.get('bruno')!, `sip:bruno@127.0.0.11:${brunoPhone.port}`, '127.0.0.11', 300)
  // logged in by API, alice first (she is then the longest idle)
  t.equal((await api(a.httpPort, 'POST', '/v1/tenants/gridco/agents/alice/login', {})).status, 200)
  await sleep(50)
  t.equal((await api(b.httpPort, 'POST', '/v1/tenants/gridco/agents/bruno/login', {})).status, 200)

  const connectedAgents = async () => (await readHistory(redis, 'e2e', 'gridco', { types: ['connected'] })).map((e) => e.agent)
  const untilConnected = async (n: number) => {
    for (const end = Date.now() + 15_000; (await connectedAgents()).length < n && Date.now() < end; ) await sleep(100)
  }
  // calls in progress: c1 (alice, through a) and c2 (bruno, through b) talking; w waits (through b)
  const c1 = runSipp({ scenario: 'uac-caller', target: `${da.host}:${da.sipPort}`, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '5000'], timeoutMs: 60_000 })
  await untilConnected(1)
  const c2 = runSipp({ scenario: 'uac-caller', target: `${db.host}:${db.sipPort}`, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '8000'], timeoutMs: 60_000 })
  await untilConnected(2)
  t.same(await connectedAgents(), ['alice', 'bruno'], 'longest idle first: alice, then bruno')
  const w = runSipp({ scenario: 'uac-caller', target: `${db.host}:${db.sipPort}`, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '500'], timeoutMs: 60_000 })
  await sleep(500)

  // the change, over HTTP on instance a, with If-Match
  const q = await api(a.httpPort, 'GET', '/v1/tenants/gridco/queues/outages')
  t.equal(q.body['strategy'], 'longest-idle')
  const patched = await api(a.httpPort, 'PATCH', '/v1/tenants/gridco/queues/outages', { strategy: 'top-down', agent_order: ['bruno', 'alice'] }, { 'if-match': q.etag! })
  t.equal(patched.status, 200, JSON.stringify(patched.body))
  t.equal((await api(b.httpPort, 'PATCH', '/v1/tenants/gridco/queues/outages', { strategy: 'random' }, { 'if-match': q.etag! })).status, 412, 'a stale write on the other instance: 412')
  const appliedVersion = async (app: typeof a, v: number) => {
    for (const end = Date.now() + 10_000; Date.now() < end; await sleep(100)) if (readLog(app.logFile).some((l) => l['msg'] === 'configuration version applied' && Number(l['version']) >= v)) return true
    return false
  }
  t.ok(await appliedVersion(a, 2), 'instance a applies version 2')
  t.ok(await appliedVersion(b, 2), 'instance b applies version 2')

  // nothing dropped: the calls in progress end as they would, the waiting one is answered
  const results = await Promise.all([c1, c2, w])
  for (const [i, r] of results.entries()) t.equal(r.code, 0, `call ${i + 1} went through: ${r.errors}`)
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(100)) if ((await observer.agentState('alice')).state === 'available' && (await observer.agentState('bruno')).state === 'available') break
  // longest idle would now be alice (her last call ended first); top-down [bruno, alice] gives bruno
  const c3 = await runSipp({ scenario: 'uac-caller', target: `${db.host}:${db.sipPort}`, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '300'], timeoutMs: 30_000 })
  t.equal(c3.code, 0, c3.errors)
  t.equal((await connectedAgents()).at(-1), 'bruno', 'the next call (through instance b) follows the new strategy')

  // bruno loses his outage skill by API on instance b: the next call, through a, goes to alice
  const skills = await api(b.httpPort, 'PATCH', '/v1/tenants/gridco/agents/bruno', { skills: { outage: null } })
  t.equal(skills.status, 200, JSON.stringify(skills.body))
  t.ok(await appliedVersion(a, 3), 'instance a applies version 3')
  t.ok(await appliedVersion(b, 3), 'instance b applies version 3')
  for (const end = Date.now() + 5000; (await observer.agentState('bruno')).state !== 'available' && Date.now() < end; ) await sleep(100)
  const c4 = await runSipp({ scenario: 'uac-caller', target: `${da.host}:${da.sipPort}`, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '300'], timeoutMs: 30_000 })
  t.equal(c4.code, 0, c4.errors)
  t.equal((await connectedAgents()).at(-1), 'alice', 'the requalified agent no longer takes the queue')
  t.equal((await observer.agentState('bruno')).state, 'available', 'bruno stays logged in, just not for this queue')

  for (const app of [a, b]) t.match(await app.metrics(), /^acd_config_version 3$/m, `instance ${app.instanceId} reports version 3 in force`)
  t.match(await a.metrics(), /^acd_admin_actions_total\{tenant="gridco",action="queues.update",outcome="ok"\} 1$/m)
  t.match(await b.metrics(), /^acd_admin_actions_total\{tenant="_platform",action="queues.update",outcome="refused"\} 1$/m, 'the stale write, on the instance that refused it (a platform token: the platform audit)')
  // a supervisor on instance b moves a call waiting on instance a to another queue: a is told, the
  // caller keeps waiting there, and is answered from it
  for (const agent of ['alice', 'bruno']) t.equal((await api(b.httpPort, 'POST', `/v1/tenants/gridco/agents/${agent}/logout`, {})).status, 200)
  const m = runSipp({ scenario: 'uac-caller', target: `${da.host}:${da.sipPort}`, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '300'], timeoutMs: 30_000 })
  let waiting: Array<{ call: string }> = []
  for (const end = Date.now() + 10_000; waiting.length === 0 && Date.now() < end; await sleep(100)) waiting = (await api(b.httpPort, 'GET', '/v1/tenants/gridco/queues/outages/calls')).body['items'] as Array<{ call: string }>
  t.equal(waiting.length, 1, 'the call waits in outages')
  const moved = await api(b.httpPort, 'POST', `/v1/tenants/gridco/calls/${encodeURIComponent(waiting[0]!.call)}/move`, { queue: 'second' })
  t.equal(moved.status, 200, JSON.stringify(moved.body))
  let there: Array<{ call: string }> = []
  for (const end = Date.now() + 10_000; there.length === 0 && Date.now() < end; await sleep(100)) there = (await api(b.httpPort, 'GET', '/v1/tenants/gridco/queues/second/calls')).body['items'] as Array<{ call: string }>
  t.same(there.map((c) => c.call), [waiting[0]!.call], 'instance a put it in the queue it was moved to')
  t.equal((await api(a.httpPort, 'POST', '/v1/tenants/gridco/agents/alice/login', {})).status, 200)
  const mr = await m
  t.equal(mr.code, 0, `the moved call is answered: ${mr.errors}`)
  const last = (await readHistory(redis, 'e2e', 'gridco', { types: ['connected'] })).at(-1)!
  t.match(last, { call: waiting[0]!.call, queue: 'second', agent: 'alice' })

  const ended = await readHistory(redis, 'e2e', 'gridco', { types: ['call_ended'] })
  t.same(ended.map((e) => e.outcome), ['answered', 'answered', 'answered', 'answered', 'answered', 'answered'], 'six calls, every one answered, none dropped')
  // the waiting call went to alice when her call ended; so she, not bruno, was the longest idle when the fourth came
  t.same(await connectedAgents(), ['alice', 'bruno', 'alice', 'bruno', 'alice', 'alice'])
  t.equal((await alicePhone.done).code, 0, "alice's phone took its four calls")
  t.equal((await brunoPhone.done).code, 0, "bruno's phone took its two calls")
  const audit = (await api(a.httpPort, 'GET', '/v1/tenants/gridco/audit')).body['items'] as Array<{ action: string; outcome: string }>
  t.same(audit.filter((e) => e.outcome === 'ok').map((e) => e.action), ['agents.login', 'agents.login', 'queues.update', 'agents.update', 'agents.logout', 'agents.logout', 'calls.move', 'agents.login'])
})
