import t from 'tap'
import { AuditLog, AUDIT_COLUMNS } from '../../src/admin/audit'
import { runCli } from '../../src/admin/cli/acd'
import type { Notice } from '../../src/acd/types'
import { adminFixture } from '../helpers/admin'

t.test('agent state by API: log in, pause with a reason code, unpause, log out; an agent token reaches its own state and screen-pop only', async (t) => {
  const f = await adminFixture(t)
  const sup = await f.token('supervisor', 'gridco')
  const me = await f.token('agent', 'gridco', 'damien')
  const login = await f.call('POST', '/v1/tenants/gridco/agents/damien/login', sup, {})
  t.equal(login.statusCode, 200, login.body)
  t.equal(login.json().state, 'available')
  t.equal((await f.call('POST', '/v1/tenants/gridco/agents/damien/login', sup, {})).statusCode, 409, 'already logged in')
  const pause = await f.call('POST', '/v1/tenants/gridco/agents/damien/pause', me, { reason: '3' })
  t.match(pause.json(), { state: 'paused', reason: '3', pending: false })
  t.equal((await f.engine.agentState('damien')).state, 'paused', 'the engine says so')
  const bad = await f.call('POST', '/v1/tenants/gridco/agents/damien/pause', sup, { reason: 'Not A Code!' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().error.fields, [{ path: '/body/reason' }])
  t.match((await f.call('POST', '/v1/tenants/gridco/agents/damien/unpause', sup, {})).json(), { state: 'available' })
  // a call reserves damien: the screen-pop shows it to him
  await f.engine.enqueue({ tenant: 'gridco', queue: 'outages', callId: 'pop-1', caller: '+33612345678', attributes: { customer: 'C-77' } })
  const pop = await f.call('GET', '/v1/tenants/gridco/agents/damien/screen-pop', me)
  t.match(pop.json(), { agent: 'damien', call: 'pop-1', queue: 'outages', caller: '+33612345678', attributes: { customer: 'C-77' } })
  t.equal((await f.call('GET', '/v1/tenants/gridco/agents/alice/screen-pop', me)).statusCode, 404, "another agent's screen-pop")
  await f.engine.abandon('gridco', 'pop-1')
  t.match((await f.call('POST', '/v1/tenants/gridco/agents/damien/logout', sup, {})).json(), { state: 'logged-out' })
  t.equal((await f.call('POST', '/v1/tenants/gridco/agents/damien/logout', sup, {})).statusCode, 409)

  const audit = (await f.ctx.audit.read('gridco')).filter((e) => e.outcome === 'ok')
  t.same(audit.map((e) => e.action), ['agents.login', 'agents.pause', 'agents.unpause', 'agents.logout'])
  const supId = (await f.tokens.list('gridco')).find((r) => r.role === 'supervisor')!.id
  t.match(audit[0], { token: supId, role: 'supervisor', source: '127.0.0.1', object_type: 'agents', object_id: 'damien', before: { state: 'logged-out' }, after: { state: 'available' } })
  t.match(audit[1], { role: 'agent', before: { state: 'available' }, after: { state: 'paused', reason: '3' } })
  const refused = (await f.ctx.audit.read('gridco')).filter((e) => e.outcome === 'refused')
  t.ok(refused.some((e) => e.status === 404 && e.path === '/v1/tenants/gridco/agents/alice/screen-pop'), 'a refused attempt is in the audit')
})

t.test('supervisor actions on waiting calls: move keeping its place, priority, hang-up', async (t) => {
  const f = await adminFixture(t)
  const sup = await f.token('supervisor', 'gridco')
  const notices: Notice[] = []
  // the call's owner: an overflow to a queue is enqueued again keeping its place, as the call flow does
  f.engine.on('notice', (n: Notice) => {
    notices.push(n)
    if (n.type === 'overflow' && n.target.startsWith('queue:')) void f.engine.enqueue({ tenant: n.tenant, queue: n.target.slice(6), callId: n.call, priority: n.priority, keepPlace: { seq: n.seq, enqueuedAt: n.enqueuedAt } })
  })
  for (const [call, queue] of [['c0', 'outages'], ['c1', 'connections'], ['c2', 'outages']] as const) await f.engine.enqueue({ tenant: 'gridco', queue, callId: call, priority: 50 })
  const order = async () => (await f.call('GET', '/v1/tenants/gridco/queues/outages/calls', sup)).json().items.map((c: { call: string }) => c.call)
  t.same(await order(), ['c0', 'c2'])
  const moved = await f.call('POST', '/v1/tenants/gridco/calls/c1/move', sup, { queue: 'outages' })
  t.equal(moved.statusCode, 200, moved.body)
  await new Promise((r) => setTimeout(r, 100))
  t.same(await order(), ['c0', 'c1', 'c2'], 'the moved call keeps its arrival order')
  t.equal((await f.call('POST', '/v1/tenants/gridco/calls/c1/move', sup, { queue: 'billing' })).statusCode, 404, "another tenant's queue is no queue here")
  t.equal((await f.call('POST', '/v1/tenants/gridco/calls/c1/move', sup, { queue: 'outages' })).statusCode, 409, 'already there')
  const prio = await f.call('POST', '/v1/tenants/gridco/calls/c2/priority', sup, { priority: 90 })
  t.match(prio.json(), { priority: 90, position: 1 })
  t.same(await order(), ['c2', 'c0', 'c1'])
  t.equal((await f.call('POST', '/v1/tenants/gridco/calls/c2/priority', sup, { priority: 100 })).statusCode, 400)
  const hang = await f.call('POST', '/v1/tenants/gridco/calls/c0/hangup', sup, {})
  t.equal(hang.statusCode, 200)
  t.match(notices.at(-1), { type: 'overflow', call: 'c0', target: 'hangup', reason: 'supervisor-hangup' }, "the call's owner is told to hang up")
  t.same(await order(), ['c2', 'c1'])
  t.equal((await f.call('POST', '/v1/tenants/gridco/calls/nosuch/hangup', sup, {})).statusCode, 404)
  t.equal((await f.call('GET', '/v1/tenants/voltsupply/calls/c2', sup)).statusCode, 404)
  const audit = (await f.ctx.audit.read('gridco')).filter((e) => e.outcome === 'ok')
  t.same(audit.map((e) => e.action), ['calls.move', 'calls.priority', 'calls.hangup'])
  t.match(audit[1], { before: { call: 'c2', priority: 50 }, after: { priority: 90 } })
  // the figures
  const rep = await f.token('reporting', 'gridco')
  t.match((await f.call('GET', '/v1/tenants/gridco/queues/outages/stats', rep)).json(), { tenant: 'gridco', queue: 'outages', waiting: 2, stats: { hung_up_by_supervisor: 1, offered: 2, overflow_in: 1 } })
  t.match((await f.call('GET', '/v1/tenants/gridco/queues/connections/stats', rep)).json(), { waiting: 0, stats: { moved_by_supervisor: 1, offered: 1 } }, 'a move counts in the queue it left; the queue it joins counts it as a call keeping its place (overflow_in)')
  const history = (await f.call('GET', '/v1/tenants/gridco/history?type=overflowed', rep)).json().items
  t.same(history.map((e: { reason: string }) => e.reason), ['moved', 'supervisor-hangup'])
})

t.test('the audit log: read by the entitled roles, exported as JSON lines and CSV, kept for its retention', async (t) => {
  const f = await adminFixture(t)
  const admin = await f.token('tenant-admin', 'gridco')
  await f.call('PATCH', '/v1/tenants/gridco/queues/outages', admin, { name: 'Outages, "urgent"' })
  await f.call('PATCH', '/v1/tenants/gridco/queues/outages', admin, { strategy: 'nope' })
  const json = (await f.call('GET', '/v1/tenants/gridco/audit', admin)).json().items
  t.match(json, [{ action: 'queues.update', outcome: 'ok', status: 200, before: { id: 'outages' }, after: { name: 'Outages, "urgent"' } }, { outcome: 'refused', status: 400, reason: /INVALID/ }])
  const lines = (await f.call('GET', '/v1/tenants/gridco/audit?format=jsonl', admin)).body.trim().split('\n')
  t.same(lines.map((l) => JSON.parse(l).id), json.map((e: { id: string }) => e.id))
  const csv = await f.call('GET', '/v1/tenants/gridco/audit?format=csv', admin)
  t.match(csv.headers['content-type'], /text\/csv/)
  const rows = csv.body.trim().split('\n')
  t.equal(rows[0], AUDIT_COLUMNS.join(','))
  t.equal(rows.length, 3)
  t.match(rows[1], /"\{""id"":""outages""/, 'quotes doubled inside a quoted cell')
  t.equal((await f.call('GET', '/v1/tenants/gridco/audit', await f.token('supervisor', 'gridco'))).statusCode, 403)
  for (const m of ['POST', 'PATCH', 'DELETE'] as const) t.equal((await f.call(m, '/v1/tenants/gridco/audit', admin, {})).statusCode, 404, `no route ${m}s the audit`)
  // retention: entries older than it go
  const short = new AuditLog(f.redis, 300)
  await short.append('t-ret', { token: 'x', role: 'r', source: 's', method: 'M', path: '/', action: 'a', outcome: 'ok', status: 200 })
  await new Promise((r) => setTimeout(r, 400))
  await short.append('t-ret', { token: 'y', role: 'r', source: 's', method: 'M', path: '/', action: 'b', outcome: 'ok', status: 200 })
  t.same((await short.read('t-ret')).map((e) => e.action), ['b'])
})

t.test('import and export: YAML per tenant, a dry run says what would change', async (t) => {
  const f = await adminFixture(t)
  const admin = await f.token('tenant-admin', 'gridco')
  const exp = await f.call('GET', '/v1/tenants/gridco/export', admin)
  t.equal(exp.statusCode, 200)
  t.match(exp.headers['content-type'], /yaml/)
  t.notMatch(exp.body, /ha1|voltsupply|homeserve/, "no credentials, nothing of another tenant")
  const edited = exp.body.replace(/strategy: longest-idle/, 'strategy: fewest-calls')
  t.not(edited, exp.body)
  const version = await f.repo.version()
  const dry = await f.call('POST', '/v1/tenants/gridco/import?dry_run=true', admin, edited, { 'content-type': 'application/yaml' })
  t.equal(dry.statusCode, 200, dry.body)
  t.equal(dry.json().changes.length, 1)
  t.match(dry.json().changes[0], { resource: 'queues', tenant: 'gridco', change: 'changed' })
  t.equal(await f.repo.version(), version, 'a dry run writes nothing')
  const done = await f.call('POST', '/v1/tenants/gridco/import', admin, edited, { 'content-type': 'application/yaml' })
  t.equal(done.statusCode, 200, done.body)
  t.equal(done.json().version, version + 1)
  const q = dry.json().changes[0].id
  t.equal(f.engine.platform.tenants.get('gridco')!.queues.find((x) => x.id === q)!.strategy, 'fewest-calls')
  const alice = f.engine.platform.agents.get('alice')!
  t.ok(alice.ha1['gridco'] && alice.ha1['homeserve'], "an import without credentials keeps the agents' HA1")
  t.ok(alice.tenants.includes('homeserve'), "the agent's other tenants are untouched")
  const bad = await f.call('POST', '/v1/tenants/gridco/import?dry_run=true', admin, edited.replace('strategy: fewest-calls', 'strategy: fewest-calls\n        colour: red'), { 'content-type': 'application/yaml' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().error.fields, [{ reason: /unknown field "colour"/ }])
  t.equal((await f.call('POST', '/v1/tenants/gridco/import', admin, exp.body.replace('pool: utilities', 'pool: mine'), { 'content-type': 'application/yaml' })).statusCode, 400, 'the pool is the platform admins’')
})

t.test('the operator CLI over the API (a real socket): tables, --json, errors', async (t) => {
  const f = await adminFixture(t)
  const url = await f.app.listen({ host: '127.0.0.1', port: 0 })
  const env = { ACD_URL: url, ACD_TOKEN: await f.token('tenant-admin', 'gridco') }
  const run = async (...argv: string[]) => {
    let out = ''
    let err = ''
    const code = await runCli(argv, env, { out: (s) => (out += s), err: (s) => (err += s), fetch })
    return { code, out, err }
  }
  const list = await run('queues', 'list', '--tenant', 'gridco')
  t.equal(list.code, 0, list.err)
  t.match(list.out, /^ID\s+NAME\s+SKILLS\s+STRATEGY/m)
  t.match(list.out, /^outages\s/m)
  const json = await run('queues', 'list', '--tenant', 'gridco', '--json')
  t.ok(JSON.parse(json.out).items.length >= 2)
  t.equal((await run('agents', 'login', 'damien', '--tenant', 'gridco')).code, 0)
  const pause = await run('agents', 'pause', 'damien', '--reason', '3', '--tenant', 'gridco')
  t.match(pause.out, /state\s+paused/)
  t.match(pause.out, /reason\s+3/)
  const bad = await run('queues', 'update', 'outages', '--tenant', 'gridco', '--data', '{"strategy":"nope","max_length":0}')
  t.equal(bad.code, 1)
  t.match(bad.err, /400 INVALID/)
  t.match(bad.err, /\/strategy: /)
  t.match(bad.err, /\/max_length: /)
  t.equal((await run('queues', 'get', 'outages', '--tenant', 'voltsupply')).code, 1)
  t.equal(await runCli(['queues', 'list'], {}, { out: () => undefined, err: () => undefined, fetch }), 2, 'no token')
})
