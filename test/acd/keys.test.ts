import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ha1 } from '../../src/agents/digest'
import { Registrar } from '../../src/agents/registrar'
import { KEY_LAYOUT, type KeyName, keys, parseKey, poolPrefix } from '../../src/acd/keys'
import { assembleScript } from '../../src/acd/scripts'
import { loadConfigFile } from '../../src/config/load'
import { TrunkChannels } from '../../src/trunks/channels'
import { checkInvariants, dumpPool } from '../helpers/invariants'
import { engineFixture } from '../helpers/engine'
import { withRedis } from '../helpers/redis'

const names = Object.keys(KEY_LAYOUT) as KeyName[]
const paramsOf = (n: KeyName) => [...KEY_LAYOUT[n].key.matchAll(/<(\w+)>/g)].map((m) => m[1]!)
// sample parameters: ids as they come (a call id with ':' and an IPv6 source address included)
const sample: Record<string, string> = { tenant: 'acme', queue: 'sales', step: '2', agent: 'a1', call: 'c-1:x', instance: 'inst-1', trunk: 'carrier', direction: 'in', source: '::1', probe: 'line-1', tick: '29000000' }
const callKey = (n: KeyName, pool: string) => (keys[n] as (pool: string, ...a: string[]) => string)(pool, ...paramsOf(n).map((p) => sample[p]!))

t.test('every key of the layout sits in the pool slot; tenant data carries the tenant', async (t) => {
  for (const n of names) {
    const k = callKey(n, 'p1')
    t.ok(k.startsWith('acd:{p1}:'), `${n}: ${k} starts with the pool prefix`)
    const params = paramsOf(n)
    if (params.includes('tenant')) t.match(KEY_LAYOUT[n].key, /^t:<tenant>:/, `${n}: the tenant comes first, after :t:`)
  }
  // the keys that carry no tenant: pool-wide, per agent (shared by the pool's tenants), per instance
  t.same(
    names.filter((n) => !paramsOf(n).includes('tenant')),
    ['settings', 'epoch', 'seq', 'timers', 'agents', 'agent', 'agentQuals', 'agentReferred', 'offers', 'alive', 'instances', 'instanceCalls', 'sites', 'drains', 'platformConfig', 'apiTokens', 'apiTokenHashes', 'apiAuthThrottle'],
  )
})

t.test('the keys named in Lua (K.<name>(...)) are the same keys as keys.*', async (t) => {
  const { redis } = await withRedis(t)
  const dir = mkdtempSync(join(tmpdir(), 'lua-keys-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, lua: string) => {
    writeFileSync(join(dir, name), lua)
    return join(dir, name)
  }
  const calls = names.map((n) => `K.${n}(${paramsOf(n).map((p) => `'${sample[p]}'`).join(', ')})`)
  const all = assembleScript(file('all.lua', `return { ${calls.join(', ')} }\n`))
  t.same(await redis.eval(all, 1, poolPrefix('p1')), names.map((n) => callKey(n, 'p1')))
  const nested = assembleScript(file('nested.lua', "-- K.nothing(1) in a comment\nlocal s = 'K.nothing(2)'\nlocal c = { tenant = 'acme', q = 'sales' }\nreturn { K.queueStep(c.tenant, c.q, 1 + 1), K.agent(redis.call('GET', K.seq()) or 'none'), s }\n"))
  t.match(nested, /\(P \.\. ':t:' \.\. c\.tenant \.\. ':q:' \.\. c\.q \.\. ':w:' \.\. \(1 \+ 1\)\)/, 'an expression, on the pool prefix')
  t.same(await redis.eval(nested, 1, poolPrefix('p1')), ['acd:{p1}:t:acme:q:sales:w:2', 'acd:{p1}:agent:none', 'K.nothing(2)'], 'comments and strings are left alone; keys nest')
  t.throws(() => assembleScript(file('unknown.lua', "return 1\nreturn K.nope('x')\n")), { name: 'ScriptLoadError', message: /unknown\.lua:2: no key named "nope"/ })
  t.throws(() => assembleScript(file('arity.lua', "return K.queue('acme')\n")), { message: /arity\.lua:1: K\.queue takes 2 arguments \(t:<tenant>:q:<queue>\), not 1/ })
  t.throws(() => assembleScript(file('value.lua', 'local f = K.timers\n')), { message: /value\.lua:1: K\.timers is not called/ })
})

t.test('the README\'s key table is the key layout', async (t) => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### Redis key layout'), readme.indexOf('\n## ', readme.indexOf('### Redis key layout')))
  const rows = [...section.matchAll(/^\| `(acd:\{P\}:[^`]+)` \| (\w+) \| (.*) \|$/gm)].map((m) => [m[1], m[2], m[3]!.replace(/\\\|/g, '|')])
  const letter: Record<string, string> = { tenant: 'T', queue: 'Q', step: 'S', agent: 'A', call: 'C', instance: 'I', trunk: 'R', direction: 'D', source: 'ADDR', probe: 'PR', tick: 'N' }
  const layout = names.map((n) => [`acd:{P}:${KEY_LAYOUT[n].key.replace(/<(\w+)>/g, (_, p: string) => letter[p]!)}`, KEY_LAYOUT[n].type, KEY_LAYOUT[n].holds])
  t.same(rows, layout)
})

t.test('keys.* take exactly their parameters; parseKey reads a key back', async (t) => {
  t.equal(keys.queueStep('p', 'acme', 'sales', 0), 'acd:{p}:t:acme:q:sales:w:0')
  t.equal(keys.timers('p'), 'acd:{p}:timers')
  t.throws(() => (keys.queue as (...a: string[]) => string)('p', 'acme'), /keys\.queue takes 2 arguments after the pool, not 1/)
  for (const n of names) t.same(parseKey('p1', callKey(n, 'p1')), { name: n, params: paramsOf(n).map((p) => sample[p]) }, `${n} round trip`)
  t.same(parseKey('p1', 'acd:{p1}:agent:a1:quals'), { name: 'agentQuals', params: ['a1'] }, 'the most specific template wins')
  t.equal(parseKey('p1', 'acd:{p2}:timers'), undefined, 'another pool')
  t.equal(parseKey('p1', 'acd:{p1}:nothing'), undefined)
})

t.test('the invariant checker reads the state through the key layout', async (t) => {
  const { engine, redis } = await engineFixture(t)
  await engine.login('a3', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'w1' })
  t.same(checkInvariants(await dumpPool(redis, 'shared'), 'shared'), [])
  await redis.zrem(keys.queueWaiting('shared', 'acme', 'sales'), 'w1')
  await redis.srem(keys.queueStaffed('shared', 'acme', 'support'), 'a3')
  t.match(checkInvariants(await dumpPool(redis, 'shared'), 'shared'), [/waiting call acme\/w1 missing from the position list/, /logged-in agent a3 not staffed in acme\/support/])
})

t.test('registrations, failed-authentication counts and trunk channels sit in the pool slot of their tenant', async (t) => {
  const { redis } = await withRedis(t)
  const config = loadConfigFile('config/platform.yaml')
  const reg = new Registrar(redis, config, 'secret')
  const md5 = (s: string) => createHash('md5').update(s).digest('hex')
  const nonce = reg.nonces.issue()
  const answer = (user: string, realm: string, password: string) => {
    const uri = `sip:${realm}`
    return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${md5(`${ha1(user, realm, password)}:${nonce}:${md5(`REGISTER:${uri}`)}`)}"`
  }
  for (let i = 0; i < 5; i++) await reg.authenticate('REGISTER', 'gridco.acd.local', answer('alice', 'gridco.acd.local', 'bad'), '10.0.0.1')
  t.match(await reg.authenticate('REGISTER', 'gridco.acd.local', answer('alice', 'gridco.acd.local', 'alice-secret'), '10.0.0.1'), { ok: false, reason: /too many/ })
  t.match(
    await reg.authenticate('REGISTER', 'homeserve.acd.local', answer('alice', 'homeserve.acd.local', 'alice-secret'), '10.0.0.1'),
    { ok: true, tenant: { id: 'homeserve' } },
    "failures in one tenant's realm do not lock the address out of another tenant's",
  )
  t.equal(await redis.get(keys.authThrottle('utilities', 'gridco', '10.0.0.1')), '5')
  await reg.register(config.tenants.get('homeserve')!, config.agents.get('alice')!, 'sip:alice@10.0.0.1', '10.0.0.1', 60)
  const channels = new TrunkChannels(redis, config, 'inst-a')
  const trunk = config.tenants.get('voltsupply')!.trunks[0]!
  await channels.heartbeat(10_000)
  t.ok(await channels.acquire(trunk, 'out', 'c1'))
  t.equal(await redis.hget(keys.trunkChannels('utilities', 'voltsupply', trunk.id, 'out'), 'c1'), 'inst-a')
  const all = (await redis.keys('*')).sort()
  t.same(all, [
    keys.registration('utilities', 'homeserve', 'alice'),
    keys.alive('utilities', 'inst-a'),
    keys.authThrottle('utilities', 'gridco', '10.0.0.1'),
    keys.trunkChannels('utilities', 'voltsupply', trunk.id, 'out'),
  ].sort())
  for (const k of all) t.ok(parseKey('utilities', k), `${k} is a key of the layout`)
})
