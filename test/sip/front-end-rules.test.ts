import { createHash } from 'node:crypto'
import t from 'tap'
import { ha1, NonceIssuer, parseDigest, verifyDigest } from '../../src/agents/digest'
import { Registrar } from '../../src/agents/registrar'
import { loadConfigFile } from '../../src/config/load'
import { parseFeatureCode, sessionTenants } from '../../src/sip/feature-codes'
import { routeInbound, TrunkDirectory } from '../../src/sip/inbound-routing'
import { inactiveAnswer, uriHost, uriUser } from '../../src/sip/sdp'
import { TrunkChannels } from '../../src/trunks/channels'
import { withRedis } from '../helpers/redis'

const config = loadConfigFile('config/platform.yaml')
const md5 = (s: string) => createHash('md5').update(s).digest('hex')

t.test('inbound routing: source, DDI and tenant of the trunk', async (t) => {
  const dir = new TrunkDirectory(config)
  t.match(routeInbound(dir, '127.0.0.2', '+33972000001', undefined), { ok: true, trunk: { id: 'gridco-carrier' }, ddi: { tenant: 'gridco', entry: { queue: 'outages' } } })
  t.match(routeInbound(dir, '127.0.0.2', '0972000001', undefined), { ok: true, number: '+33972000001' }, 'national format normalised')
  t.match(routeInbound(dir, '127.0.0.2', 'garbage', '+33972000002'), { ok: true, number: '+33972000002' }, 'To user as fallback')
  t.match(routeInbound(dir, '127.0.0.9', '+33972000001', undefined), { ok: false, status: 403 }, 'unknown source')
  t.match(routeInbound(dir, '127.0.0.2', '+33972000099', undefined), { ok: false, status: 404 }, 'unknown DDI')
  t.match(routeInbound(dir, '127.0.0.2', '+33972000011', undefined), { ok: false, status: 403, reason: /another tenant/ }, "voltsupply's DDI on gridco's trunk")
  t.match(routeInbound(dir, '::1', '+442079460000', undefined), { ok: true, trunk: { tenant: 'homeserve' } }, 'IPv6 source')
})

t.test('trunk channel caps are shared, released, and recovered from dead instances', async (t) => {
  const { redis } = await withRedis(t)
  const trunk = { ...config.tenants.get('gridco')!.trunks[0]!, maxInbound: 2 }
  const a = new TrunkChannels(redis, config, 'inst-a')
  const b = new TrunkChannels(redis, config, 'inst-b')
  await a.heartbeat(10_000)
  t.ok(await a.acquire(trunk, 'in', 'c1'))
  t.ok(await b.acquire(trunk, 'in', 'c2'))
  t.notOk(await a.acquire(trunk, 'in', 'c3'), 'third call over the cap of 2, across instances')
  t.ok(await a.acquire(trunk, 'out', 'c3'), 'outbound has its own cap')
  await a.release(trunk, 'in', 'c1')
  t.ok(await b.acquire(trunk, 'in', 'c3'))
  t.equal(await a.count(trunk, 'in'), 2)
  // inst-b never sent a heartbeat: its channels are recovered by a sweep from any instance
  t.equal(await a.sweep(), 2)
  t.equal(await a.count(trunk, 'in'), 0)
  t.equal(await a.count(trunk, 'out'), 1, 'the live instance keeps its channel')
  t.match(a.key(trunk, 'in'), /^acd:\{utilities\}:t:gridco:trunk:gridco-carrier:in$/)
})

t.test('digest authentication against HA1', async (t) => {
  t.equal(ha1('alice', 'gridco.acd.local', 'alice-secret'), config.agents.get('alice')!.ha1['gridco'])
  const nonces = new NonceIssuer('s3cret', 1000)
  const nonce = nonces.issue(5000)
  t.ok(nonces.valid(nonce, 5500))
  t.notOk(nonces.valid(nonce, 7000), 'expired')
  t.notOk(nonces.valid(nonce.replace(/.$/, (c) => (c === '0' ? '1' : '0')), 5500), 'tampered')
  const h = ha1('alice', 'gridco.acd.local', 'alice-secret')
  const uri = 'sip:gridco.acd.local'
  const response = md5(`${h}:${nonce}:00000001:abc:auth:${md5(`REGISTER:${uri}`)}`)
  const header = `Digest username="alice", realm="gridco.acd.local", nonce="${nonce}", uri="${uri}", response="${response}", qop=auth, nc=00000001, cnonce="abc", algorithm=MD5`
  const fields = parseDigest(header)!
  t.ok(verifyDigest(fields, 'REGISTER', h))
  t.notOk(verifyDigest(fields, 'INVITE', h), 'method is part of the digest')
  t.notOk(verifyDigest(fields, 'REGISTER', ha1('alice', 'gridco.acd.local', 'wrong')))
})

t.test('registrar: realms per tenant, no registering into another tenant, throttling', async (t) => {
  const { redis } = await withRedis(t)
  const reg = new Registrar(redis, config, 'secret')
  const answer = (user: string, realm: string, password: string, nonce: string, method = 'REGISTER') => {
    const uri = `sip:${realm}`
    const response = md5(`${ha1(user, realm, password)}:${nonce}:${md5(`${method}:${uri}`)}`)
    return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}"`
  }
  const first = await reg.authenticate('REGISTER', 'gridco.acd.local', undefined, '127.0.0.50')
  t.match(first, { ok: false, status: 401, challenge: /realm="gridco.acd.local"/ })
  const nonce = /nonce="([^"]+)"/.exec((first as { challenge: string }).challenge)![1]!
  const ok = await reg.authenticate('REGISTER', 'gridco.acd.local', answer('alice', 'gridco.acd.local', 'alice-secret', nonce), '127.0.0.50')
  t.match(ok, { ok: true, agent: { id: 'alice' }, tenant: { id: 'gridco' } })
  // chloe serves voltsupply and homeserve, not gridco: even right password hashing fails in gridco's realm
  t.match(await reg.authenticate('REGISTER', 'gridco.acd.local', answer('chloe', 'gridco.acd.local', 'chloe-secret', nonce), '127.0.0.51'), { ok: false, status: 403 })
  // credentials computed for one realm presented to another
  t.match(await reg.authenticate('REGISTER', 'voltsupply.acd.local', answer('bruno', 'gridco.acd.local', 'bruno-secret', nonce), '127.0.0.52'), { ok: false, status: 403, reason: /realm/ })
  t.match(await reg.authenticate('REGISTER', 'nowhere.example', undefined, '127.0.0.53'), { ok: false, status: 404 })
  for (let i = 0; i < 5; i++) await reg.authenticate('REGISTER', 'gridco.acd.local', answer('alice', 'gridco.acd.local', 'bad', nonce), '127.0.0.60')
  t.match(await reg.authenticate('REGISTER', 'gridco.acd.local', answer('alice', 'gridco.acd.local', 'alice-secret', nonce), '127.0.0.60'), { ok: false, status: 403, reason: /too many/ }, 'throttled source')
  t.match(await reg.authenticate('REGISTER', 'gridco.acd.local', answer('alice', 'gridco.acd.local', 'alice-secret', nonce), '127.0.0.61'), { ok: true }, 'other sources unaffected')
  const [throttleKey] = await redis.keys('*:throttle:auth:127.0.0.60')
  const ttl = await redis.ttl(throttleKey!)
  t.ok(ttl > 0 && ttl <= 60, `the failure count expires with its window (${ttl} s left), set with the first failure`)
  await reg.register(config.tenants.get('homeserve')!, config.agents.get('alice')!, 'sip:alice@127.0.0.70:5090', '127.0.0.70', 60)
  t.match(await reg.contactFor('alice', 'gridco'), { tenant: 'homeserve', contact: 'sip:alice@127.0.0.70:5090' }, 'an agent phone registered in one realm rings for its other tenants')
  t.equal(await reg.contactFor('damien', 'gridco'), undefined)
  t.ok((await redis.keys('*:reg:*')).every((k) => /^acd:\{utilities\}:t:homeserve:reg:alice$/.test(k)))
})

t.test('feature codes and login sessions', async (t) => {
  t.same(parseFeatureCode('*41'), { action: 'login' })
  t.same(parseFeatureCode('*43*12'), { action: 'pause', reason: 'code-12' })
  t.same(parseFeatureCode('*43'), { action: 'pause', reason: 'break' })
  t.equal(parseFeatureCode('*99'), undefined)
  const bruno = config.agents.get('bruno')!
  t.same(sessionTenants(bruno, config.tenants.get('gridco')!, config.tenants), ['gridco'], 'never the incompatible tenant')
  const alice = config.agents.get('alice')!
  t.same(sessionTenants(alice, config.tenants.get('homeserve')!, config.tenants), ['homeserve', 'gridco'])
})

t.test('SIP helpers', async (t) => {
  t.equal(uriUser('sip:+33972000001@127.0.0.1:5060;transport=udp'), '+33972000001')
  t.equal(uriUser('"Bob" <sip:bob@example.com>;tag=1'), 'bob')
  t.equal(uriHost('sip:*41@gridco.acd.local'), 'gridco.acd.local')
  t.match(inactiveAnswer('v=0\r\nm=audio 4000 RTP/AVP 0 101\r\n'), /m=audio 9 RTP\/AVP 0\r\na=inactive/)
})

t.test('blind transfer targets stay inside the tenant', async (t) => {
  const { transferTarget } = await import('../../src/routing/transfer')
  t.same(transferTarget(config, 'gridco', 'queue-connections'), { kind: 'queue', queue: 'connections' })
  t.same(transferTarget(config, 'gridco', '+33972000002'), { kind: 'queue', queue: 'connections' }, 'own DDI')
  const closedConfig = { ...config, tenants: new Map(config.tenants) }
  const gridco = config.tenants.get('gridco')!
  closedConfig.tenants.set('gridco', { ...gridco, queues: gridco.queues.map((q) => (q.id === 'connections' ? { ...q, closed: true } : q)) })
  t.match(transferTarget(closedConfig, 'gridco', 'queue-connections'), { kind: 'refused', status: 403, reason: /connections is closed/ })
  t.match(transferTarget(closedConfig, 'gridco', '+33972000002'), { kind: 'refused', status: 403, reason: /closed/ }, 'by DDI too')
  t.match(transferTarget(config, 'gridco', '+33972000011'), { kind: 'refused', status: 403, reason: /another tenant/ }, "voltsupply's DDI")
  t.match(transferTarget(config, 'gridco', 'queue-billing'), { kind: 'refused', status: 404 }, "voltsupply's queue name is unknown to gridco")
  t.same(transferTarget(config, 'gridco', '+33612345678'), { kind: 'number', number: '+33612345678' }, 'inside the allow-list')
  t.match(transferTarget(config, 'gridco', '+442079460001'), { kind: 'refused', status: 403 }, 'outside the allow-list')
  t.match(transferTarget(config, 'voltsupply', '+33612345678'), { kind: 'refused', status: 403 }, 'voltsupply has no allow-list')
})
