// Walks every operation of the OpenAPI document (not a hand-kept list) with every role of a
// tenant, with each role of another tenant and without a token: nothing leaks, nothing is allowed
// beyond the operation's roles, a foreign tenant's objects are 404 exactly as missing ones.
import t from 'tap'
import type { Role } from '../../src/admin/tokens'
import { adminFixture } from '../helpers/admin'

type Op = { method: string; path: string; roles: Role[]; self?: string }
const NOT_FOUND = { error: { code: 'NOT_FOUND', message: 'no such object' } }
// what a gridco token must never read: the other tenant and its own agents
const FOREIGN = [/voltsupply/i, /"emma"/, /"chloe"/, /Emma Petit/, /\+33972000011/, /iso-v1/]

async function setup(t: Parameters<typeof adminFixture>[0]) {
  const f = await adminFixture(t)
  const ops: Op[] = []
  const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { 'x-roles': Role[]; 'x-self'?: string }>> }
  for (const [path, methods] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(methods)) ops.push({ method: method.toUpperCase(), path, roles: op['x-roles'], self: op['x-self'] })
  const own: Record<Role, string> = {
    'platform-admin': await f.token('platform-admin', null),
    'tenant-admin': await f.token('tenant-admin', 'gridco'),
    supervisor: await f.token('supervisor', 'gridco'),
    reporting: await f.token('reporting', 'gridco'),
    agent: await f.token('agent', 'gridco', 'damien'),
  }
  const foreign: Record<string, string> = {
    'tenant-admin': await f.token('tenant-admin', 'voltsupply'),
    supervisor: await f.token('supervisor', 'voltsupply'),
    reporting: await f.token('reporting', 'voltsupply'),
    agent: await f.token('agent', 'voltsupply', 'emma'),
  }
  const gridToken = (await f.tokens.list('gridco'))[0]!.id
  const platformToken = (await f.tokens.list(null))[0]!.id
  await f.engine.enqueue({ tenant: 'gridco', queue: 'outages', callId: 'iso-1', caller: '+33600000001' })
  await f.engine.enqueue({ tenant: 'voltsupply', queue: 'billing', callId: 'iso-v1', caller: '+33600000002' })
  const ids: Record<string, string> = { trunks: 'gridco-carrier', ddis: '+33972000001', skills: 'outage', queues: 'outages', ivrs: 'main', agents: 'damien' }
  const url = (op: Op, tenant = 'gridco', agent = 'damien') =>
    op.path.replace(/\/([a-z-]+)\/\{(\w+)\}/g, (_m, seg: string, p: string) => {
      const v = p === 'tenant' ? tenant : p === 'agent' ? agent : p === 'queue' ? 'outages' : p === 'call' ? 'iso-1' : seg === 'tokens' ? (op.path.startsWith('/v1/tenants/') ? gridToken : platformToken) : ids[seg]!
      return `/${seg}/${encodeURIComponent(v)}`
    })
  const send = (op: Op, u: string, token?: string) =>
    f.app.inject({ method: op.method as 'GET', url: u, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(op.method === 'POST' || op.method === 'PATCH' ? { payload: {} } : {}) })
  return { f, ops, own, foreign, url, send }
}

t.test('every operation, every role, a foreign tenant, no token: refused without a hint, and nothing changes', async (t) => {
  const { f, ops, own, foreign, url, send } = await setup(t)
  t.ok(ops.length >= 60, `${ops.length} operations in the document`)
  const version = await f.repo.version()
  const callBefore = await f.engine.callState('gridco', 'iso-1')
  const tokensBefore = JSON.stringify([await f.tokens.list('gridco'), await f.tokens.list(null)])
  for (const op of ops) {
    t.ok(op.roles?.length, `${op.method} ${op.path} says who may call it`)
    const tenantRoute = op.path.includes('{tenant}')
    const r = await send(op, url(op))
    t.equal(r.statusCode, 401, `${op.method} ${op.path} without a token`)
    for (const [role, token] of Object.entries(foreign)) {
      const res = await send(op, url(op), token)
      if (tenantRoute) {
        t.equal(res.statusCode, 404, `${op.method} ${op.path}: voltsupply ${role} naming gridco`)
        t.same(res.json(), NOT_FOUND, 'the same answer as for an object that does not exist')
        const missing = await send(op, url(op, 'nosuch'), token)
        t.same([missing.statusCode, missing.json()], [404, NOT_FOUND], 'a tenant that does not exist: the same answer')
      } else if (!op.roles.includes(role as Role)) t.equal(res.statusCode, 403, `${op.method} ${op.path}: voltsupply ${role}`)
      else {
        t.equal(op.method, 'GET', `${op.method} ${op.path}: only reads are open to a tenant's roles outside a tenant path`)
        t.notMatch(res.body, /gridco/i, `${op.method} ${op.path}: voltsupply ${role} reads nothing of gridco`)
      }
    }
    for (const [role, token] of Object.entries(own) as Array<[Role, string]>) {
      if (op.roles.includes(role)) continue
      const res = await send(op, url(op), token)
      t.equal(res.statusCode, 403, `${op.method} ${op.path}: gridco ${role} may not`)
    }
    if (op.self && op.roles.includes('agent')) {
      const res = await send(op, url(op, 'gridco', 'alice'), own.agent)
      t.same([res.statusCode, res.json()], [404, NOT_FOUND], `${op.method} ${op.path}: an agent token naming another agent`)
    }
  }
  t.equal(await f.repo.version(), version, 'no refused request changed the configuration')
  t.equal(JSON.stringify([await f.tokens.list('gridco'), await f.tokens.list(null)]), tokensBefore, 'nor the tokens')
  t.same(await f.engine.callState('gridco', 'iso-1'), callBefore, 'nor the waiting call')
  t.equal((await f.engine.agentState('damien')).state, 'logged-out', 'nor the agents')
  const refused = (await f.ctx.audit.read('voltsupply')).filter((e) => e.outcome === 'refused')
  t.ok(refused.length >= ops.length, `every refused attempt of voltsupply's tokens is in its audit (${refused.length})`)
  t.notOk(JSON.stringify(await f.ctx.audit.read('gridco')).includes('voltsupply'), "gridco's audit says nothing of voltsupply")
})

t.test("what each gridco role may read holds nothing of another tenant", async (t) => {
  const { ops, own, url, send } = await setup(t)
  for (const op of ops.filter((o) => o.method === 'GET')) {
    for (const [role, token] of Object.entries(own) as Array<[Role, string]>) {
      if (!op.roles.includes(role) || role === 'platform-admin') continue
      const res = await send(op, url(op), token)
      t.equal(res.statusCode, 200, `${op.path} as gridco ${role}: ${res.body.slice(0, 200)}`)
      for (const re of FOREIGN) t.notMatch(res.body, re, `${op.path} as gridco ${role} shows nothing matching ${re}`)
    }
  }
})

t.test('over a real socket: bearer tokens, revoked and expired ones, the rate limit per address', async (t) => {
  const f = await adminFixture(t, { authFailuresPerMinute: 3 })
  const address = await f.app.listen({ host: '127.0.0.1', port: 0 })
  const get = (path: string, token?: string) => fetch(`${address}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  const grid = await f.token('supervisor', 'gridco')
  const volt = await f.token('supervisor', 'voltsupply')
  t.equal((await get('/v1/tenants/gridco/queues', grid)).status, 200)
  t.equal((await get('/v1/tenants/gridco/queues', volt)).status, 404)
  const revoked = await f.tokens.create({ tenant: 'gridco', role: 'supervisor', name: 'gone', ttlSeconds: 3600 })
  await f.tokens.revoke(revoked.record.id)
  const expired = await f.tokens.create({ tenant: 'gridco', role: 'supervisor', name: 'old', ttlSeconds: -1 })
  t.equal((await get('/v1/tenants/gridco/queues', revoked.token)).status, 401, 'a revoked token')
  t.equal((await get('/v1/tenants/gridco/queues', expired.token)).status, 401, 'an expired token')
  t.equal((await get('/v1/tenants/gridco/queues', 'acd_guess')).status, 401)
  const limited = await get('/v1/tenants/gridco/queues', grid)
  t.equal(limited.status, 429, 'three failures from this address in a minute: refused, even with a good token')
  t.ok(Number(limited.headers.get('retry-after')) > 0)
  const other = await f.app.inject({ method: 'GET', url: '/v1/tenants/gridco/queues', remoteAddress: '127.0.0.9', headers: { authorization: `Bearer ${grid}` } })
  t.equal(other.statusCode, 200, 'another address is not held back')
  const docs = await fetch(`${address}/docs/`)
  t.equal(docs.status, 200, 'the browsable documentation')
  t.equal((await fetch(`${address}/openapi.json`)).status, 200)
  const audit = await f.ctx.audit.read('_platform')
  t.ok(audit.filter((e) => e.status === 401).length >= 3, 'the failed authentications are in the platform audit')
})
