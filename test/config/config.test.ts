import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError } from '../../src/config/errors'
import { loadConfigFile, parseConfig } from '../../src/config/load'
import { AddressSet } from '../../src/config/network'
import { toE164 } from '../../src/config/phone'
import { ConfigStore } from '../../src/config/store'

t.test('the shipped example loads: three tenants, two incompatible, one unrelated', async (t) => {
  const c = loadConfigFile('config/platform.yaml')
  t.same([...c.tenants.keys()], ['gridco', 'voltsupply', 'homeserve'])
  t.same(c.tenants.get('gridco')!.incompatibleWith, ['voltsupply'])
  t.same(c.tenants.get('voltsupply')!.incompatibleWith, ['gridco'])
  t.same(c.tenants.get('homeserve')!.incompatibleWith, [])
  t.match(c.ddis.get('+33972000001'), { tenant: 'gridco', entry: { kind: 'queue', queue: 'outages' } })
  const shared = [...c.agents.values()].filter((a) => a.tenants.includes('homeserve') && a.tenants.length > 1)
  t.ok(shared.length >= 2, 'homeserve shares agents with both incompatible tenants')
  for (const a of c.agents.values()) for (const h of Object.values(a.ha1)) t.match(h, /^[0-9a-f]{32}$/, 'only digests are stored')
})

t.test('an invalid file is refused with every problem: file, path and reason', async (t) => {
  const bad = `
platform: { max_no_answer: 0 }
tenants:
  - id: one
    name: One
    timezone: Europe/Atlantis
    skills: [a]
    trunks: [{ id: t1, allowed_sources: [10.0.0.300/8], max_inbound: 5, max_outbound: 5 }]
    ddis:
      - { number: "12", queue: q1 }
      - { number: "+33 9 72 00 00 01", queue: nope }
    queues:
      - { id: q1, skills: [{ skill: b, min_level: 3 }], strategy: longest-idle, overflow: { queue: q1 } }
  - id: two
    name: Two
    timezone: Europe/Paris
    incompatible_with: [ghost]
agents:
  - { id: x, tenants: [one, three], skills: { one: { a: 11 } } }
`
  try {
    parseConfig(bad, 'bad.yaml')
    t.fail('should refuse')
  } catch (err) {
    t.ok(err instanceof ConfigError)
    const problems = (err as ConfigError).problems
    t.ok(problems.every((p) => p.file === 'bad.yaml'))
    t.match(problems, [{ path: '/platform/max_no_answer', reason: /must be >= 1/ }, { path: '/agents/0/skills/one/a', reason: /must be <= 10/ }])
  }
  // With the schema satisfied, the semantic checks report everything at once too.
  const semantic = bad.replace('max_no_answer: 0', 'max_no_answer: 2').replace('a: 11', 'a: 9')
  const err = t.throws(() => parseConfig(semantic, 'bad.yaml')) as unknown as ConfigError
  const paths = err.problems.map((p) => `${p.path}: ${p.reason}`)
  t.match(paths.join('\n'), /\/tenants\/0\/timezone: unknown IANA time zone "Europe\/Atlantis"/)
  t.match(paths.join('\n'), /\/tenants\/0\/trunks\/0\/allowed_sources\/0: not an IP address or CIDR range/)
  t.match(paths.join('\n'), /\/tenants\/0\/ddis\/0\/number: not a valid phone number: "12"/)
  t.match(paths.join('\n'), /\/tenants\/0\/ddis\/1\/queue: queue "nope" is not a queue of tenant "one"/)
  t.match(paths.join('\n'), /\/tenants\/0\/queues\/0\/skills\/0\/skill: skill "b" is not declared/)
  t.match(paths.join('\n'), /\/tenants\/0\/queues\/0\/overflow\/queue: a queue cannot overflow to itself/)
  t.match(paths.join('\n'), /\/tenants\/1\/incompatible_with\/0: unknown tenant "ghost"/)
  t.match(paths.join('\n'), /\/agents\/0\/tenants\/1: unknown tenant "three"/)
  t.ok(err.problems.length >= 8, `${err.problems.length} problems reported together`)
  t.match(err.message, /bad\.yaml: \/tenants\/0\/timezone/)
})

t.test('a callback offer: defaults, retry policy, and an outbound trunk required', async (t) => {
  const c = loadConfigFile('config/platform.yaml')
  t.match(c.tenants.get('voltsupply')!.queues.find((q) => q.id === 'billing')!.callback, {
    offerAfterSeconds: 90,
    repeatSeconds: 180,
    key: '1',
    prompt: 'callback-offer',
    ringSeconds: 30,
    retry: { maxAttempts: 3, retrySeconds: { busy: 120, 'no-answer': 300, failed: 300 } },
    expireSeconds: 7200,
  })
  t.equal(c.tenants.get('gridco')!.queues[0]!.callback, undefined, 'no offer unless configured')
  const noTrunk = `
tenants:
  - id: one
    name: One
    timezone: Europe/Paris
    skills: [a]
    trunks: [{ id: t1, allowed_sources: [127.0.0.2/32], max_inbound: 5, max_outbound: 0 }]
    queues:
      - { id: q1, skills: [{ skill: a, min_level: 1 }], strategy: longest-idle, callback: { offer_after_seconds: 30 } }
      - { id: q2, skills: [{ skill: a, min_level: 1 }], strategy: longest-idle, callback: { offer_after_seconds: 30, key: "12", retry_seconds: { busy: -1 } } }
`
  const err = t.throws(() => parseConfig(noTrunk, 'cb.yaml')) as unknown as ConfigError
  const said = err.problems.map((p) => `${p.path}: ${p.reason}`).join('\n')
  t.match(said, /\/tenants\/0\/queues\/1\/callback\/key: must match pattern/)
  t.match(said, /\/tenants\/0\/queues\/1\/callback\/retry_seconds\/busy: must be >= 0/)
  const keyed = t.throws(() => parseConfig(noTrunk.replace('key: "12", retry_seconds: { busy: -1 }', 'key: "5"'), 'cb.yaml')) as unknown as ConfigError
  t.ok(
    keyed.problems.some((p) => p.path === '/tenants/0/queues/1/callback/prompt' && /a callback key "5" needs its own prompt/.test(p.reason)),
    'another key needs a prompt that says it',
  )
  const semantic = t.throws(() => parseConfig(noTrunk.replace(/, key: "12", retry_seconds: \{ busy: -1 \}/, ''), 'cb.yaml')) as unknown as ConfigError
  t.match(semantic.problems, [{ path: '/tenants/0/queues/0/callback', reason: /needs an outbound trunk/ }, { path: '/tenants/0/queues/1/callback', reason: /needs an outbound trunk/ }])
})

t.test('a queue closed by configuration, and what its callers get', async (t) => {
  const yaml = (extra: string) => `
tenants:
  - id: one
    name: One
    timezone: Europe/Paris
    skills: [a]
    queues:
      - { id: q1, skills: [{ skill: a, min_level: 1 }], strategy: longest-idle${extra} }
`
  t.match(parseConfig(yaml('')).tenants.get('one')!.queues[0], { closed: false, whenClosed: 'message' })
  t.match(parseConfig(yaml(', closed: true, when_closed: voicemail')).tenants.get('one')!.queues[0], { closed: true, whenClosed: 'voicemail' })
  const err = t.throws(() => parseConfig(yaml(', closed: yes-please, when_closed: divert'), 'c.yaml')) as unknown as ConfigError
  t.match(err.problems.map((p) => p.path), ['/tenants/0/queues/0/closed', '/tenants/0/queues/0/when_closed'])
})

t.test('YAML syntax errors name the line', async (t) => {
  const err = t.throws(() => parseConfig('tenants:\n  - id: [unclosed\n', 'broken.yaml')) as unknown as ConfigError
  t.match(err.problems[0], { file: 'broken.yaml', path: /line \d+/, reason: /YAML syntax/ })
})

t.test('a DDI belongs to one tenant only; an agent spans one pool only', async (t) => {
  const yaml = `
tenants:
  - { id: a, name: A, timezone: UTC, pool: p1, ddis: [{ number: "+33972000001", queue: q }], queues: [{ id: q, skills: [], strategy: random }] }
  - { id: b, name: B, timezone: UTC, pool: p2, ddis: [{ number: "0972000001", queue: q }], queues: [{ id: q, skills: [], strategy: random }] }
agents:
  - { id: x, tenants: [a, b] }
`
  const err = t.throws(() => parseConfig(yaml, 'f.yaml')) as unknown as ConfigError
  t.match(err.problems, [
    { path: '/tenants/1/ddis/0/number', reason: '+33972000001 is already a DDI of tenant "a"' },
    { path: '/agents/0/tenants', reason: /one pool only/ },
  ])
})

t.test('E.164 normalisation and CIDR matching', async (t) => {
  t.equal(toE164('+33 9 72 00 00 01', 'FR'), '+33972000001')
  t.equal(toE164('0972000001', 'FR'), '+33972000001')
  t.equal(toE164('0033972000001', 'FR'), '+33972000001')
  t.equal(toE164('+44 20 7946 0000', 'FR'), '+442079460000')
  t.equal(toE164('not-a-number', 'FR'), undefined)
  t.equal(toE164('+999', 'FR'), undefined)
  const set = new AddressSet(['127.0.0.2/32', '10.1.0.0/16', '::1/128'])
  t.ok(set.has('127.0.0.2'))
  t.notOk(set.has('127.0.0.3'))
  t.ok(set.has('10.1.200.3'))
  t.ok(set.has('::1'))
  t.notOk(set.has('garbage'))
})

t.test('a refused reload keeps the running configuration', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-config-'))
  const file = join(dir, 'platform.yaml')
  copyFileSync('config/platform.yaml', file)
  const store = new ConfigStore(file)
  const before = store.current
  writeFileSync(file, readFileSync(file, 'utf8').replace('timezone: Europe/London', 'timezone: Mars/Olympus'))
  const r = store.reload()
  t.equal(r.ok, false)
  if (!r.ok) t.match(r.error.problems, [{ file, reason: /Mars\/Olympus/ }])
  t.equal(store.current, before, 'previous configuration still in force')
  writeFileSync(file, readFileSync(file, 'utf8').replace('Mars/Olympus', 'Europe/Dublin'))
  t.same(store.reload(), { ok: true })
  t.equal(store.current.tenants.get('homeserve')!.timezone, 'Europe/Dublin')
})
