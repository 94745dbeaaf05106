import { execFileSync } from 'node:child_process'
import t, { type Test } from 'tap'
import { keys } from '../../src/acd/keys'
import { EventContractError, encodeEvent, parseEvent } from '../../src/events/codec'
import { COMMON_FIELDS, CONTRACT_VERSION, EVENTS, EVENT_TYPES, isEventType, type CallFlowEvent, type EventSpec } from '../../src/events/contract'
import { HISTORY_MAX_LEN, readHistory } from '../../src/events/history'
import { renderEventTable } from '../../src/events/table'
import { engineFixture } from '../helpers/engine'
import { SAMPLES } from './samples'
import { busyDay } from './scenario'
import { readSource, ROOT } from './source-scan'
import { luaEmitDefinitions, luaEmits, recordEventCalls, type WriteSite } from './writers'

const spec = (type: string): EventSpec => EVENTS[type as keyof typeof EVENTS]
const required = (s: EventSpec) => Object.entries(s.fields).flatMap(([name, f]) => (f.optional ? [] : [name]))

/** Holds write sites to the contract: known type of that writer, declared fields, required ones all there. */
function checkSites(t: Test, sites: WriteSite[], writer: EventSpec['by']): void {
  for (const site of sites) {
    if (!isEventType(site.type)) {
      t.fail(`${site.where}: "${site.type}" is not an event type of the contract (src/events)`)
      continue
    }
    const s = spec(site.type)
    t.equal(s.by, writer, `${site.where}: ${site.type} is declared as written by the ${s.by}`)
    if (!site.fields) continue
    const undeclared = site.fields.filter((f) => !Object.prototype.hasOwnProperty.call(s.fields, f))
    t.same(undeclared, [], `${site.where}: every field of ${site.type} is declared`)
    const missing = required(s).filter((f) => !site.fields!.includes(f))
    t.same(missing, [], `${site.where}: every required field of ${site.type} is written`)
  }
}

t.test('the Lua scripts write exactly the engine events of the contract', async (t) => {
  const { sites, problems } = luaEmits()
  t.same(problems, [], 'every emit( has a literal type and field names')
  t.ok(sites.length >= EVENT_TYPES.filter((x) => EVENTS[x].by === 'engine').length, `${sites.length} emit sites found`)
  checkSites(t, sites, 'engine')
  for (const type of EVENT_TYPES.filter((x) => EVENTS[x].by === 'engine')) {
    const mine = sites.filter((s) => s.type === type)
    t.ok(mine.length > 0, `${type} is declared as an engine event: some script emits it`)
    for (const [name, f] of Object.entries(spec(type).fields)) {
      if (f.optional) t.ok(mine.some((s) => s.fields?.includes(name)), `${type}.${name} (optional) is written by some script`)
    }
  }
})

t.test("the Lua emit function writes the common fields, this contract's version and history length", async (t) => {
  const { definitions, problems } = luaEmitDefinitions()
  t.same(problems, [])
  t.ok(definitions.length > 0, 'function emit found')
  for (const d of definitions) {
    t.same(d.fields.filter((f) => !Object.prototype.hasOwnProperty.call(COMMON_FIELDS, f)), [], `${d.where}: every field emit adds is a common field`)
    t.same(['type', 'ts', 'tenant'].filter((f) => !d.fields.includes(f)), [], `${d.where}: emit writes type, ts and tenant`)
    if (d.fields.includes('v')) t.equal(d.version, String(CONTRACT_VERSION), `${d.where}: v is the contract version`)
    if (d.maxEvents !== undefined) t.equal(d.maxEvents, HISTORY_MAX_LEN, `${d.where}: MAX_EVENTS is HISTORY_MAX_LEN`)
  }
})

t.test('the call flow writes only call-flow events, with their declared fields', async (t) => {
  const { sites, problems } = recordEventCalls()
  t.same(problems, [])
  t.same(sites.map((s) => s.where), [], 'no untyped writer is left: the call flow writes through AcdEngine.record')
  checkSites(t, sites, 'call-flow')
  for (const s of sites.filter((x) => !x.fields)) t.comment(`${s.where}: ${s.type} fields are an expression: only its type is checked`)
})

t.test('every event type round-trips through a real stream: typed writer, typed reader', async (t) => {
  const { engine, redis, clock } = await engineFixture(t)
  const expected = []
  for (const sample of Object.values(SAMPLES)) {
    clock.advance(1000)
    if (EVENTS[sample.type].by === 'call-flow') await engine.record('acme', sample as CallFlowEvent)
    else await redis.xadd(keys.events('shared', 'acme'), '*', ...encodeEvent(sample, { ts: clock.now(), tenant: 'acme' }))
    expected.push({ ...sample, ts: clock.now(), tenant: 'acme', v: CONTRACT_VERSION })
  }
  const history = await readHistory(redis, 'shared', 'acme')
  t.same(history.map(({ id: _id, ...e }) => e), expected, 'read back as written, kinds converted')
  t.ok(history.every((e) => /^\d+-\d+$/.test(e.id)), 'each with its stream id')
  t.same(EVENT_TYPES.filter((x) => !history.some((e) => e.type === x)), [], 'every type of the contract was written')

  t.same((await readHistory(redis, 'shared', 'acme', { call: 'c6' })).map((e) => e.type), ['callback_requested', 'callback_connected', 'callback_failed', 'callback_retry', 'callback_held', 'callback_breached'])
  const ended = await readHistory(redis, 'shared', 'acme', { types: ['call_ended', 'completed'] })
  t.same(ended.map((e) => [e.type, e.talk_ms]), [['completed', 60_000], ['call_ended', 60_000]], 'filtered by type, typed as those types')
  t.same((await readHistory(redis, 'shared', 'acme', { count: 2, reverse: true })).map((e) => e.type), ['call_ended', 'ivr_abandoned'], 'newest first')
  t.same((await readHistory(redis, 'shared', 'acme', { call: 'c1', count: 2 })).map((e) => e.type), ['enqueued', 'reserved'], 'count after the filter')
  const [, second, third] = history
  t.same((await readHistory(redis, 'shared', 'acme', { start: second!.id, end: third!.id })).map((e) => e.id), [second!.id, third!.id], 'a range of ids')
})

t.test('readHistory pages through long histories, both ways', async (t) => {
  const { engine, redis } = await engineFixture(t)
  for (let i = 0; i < 1203; i++) await engine.record('globex', { type: 'ivr_abandoned', call: `k${i}`, ivr: 'main', keys: [] })
  await engine.record('globex', { type: 'closed', call: 'last', queue: 'help', action: 'hangup' })
  t.equal((await readHistory(redis, 'shared', 'globex')).length, 1204)
  t.same((await readHistory(redis, 'shared', 'globex', { call: 'last' })).map((e) => e.type), ['closed'], 'found past the first pages')
  t.same((await readHistory(redis, 'shared', 'globex', { call: 'k0', reverse: true, types: ['ivr_abandoned'] })).map((e) => e.call), ['k0'], 'found past the first pages, newest first')
  const page = await readHistory(redis, 'shared', 'globex', { types: ['ivr_abandoned'], count: 700, reverse: true })
  t.equal(page.length, 700)
  t.same(page[0]!.keys, [], 'an empty list reads as none')
})

t.test('the real scripts write history the contract reads: every engine event on a busy day', async (t) => {
  const { redis } = await busyDay(t)
  const seen = new Set<string>()
  for (const tenant of ['acme', 'globex']) {
    for (const e of await readHistory(redis, 'shared', tenant)) {
      seen.add(e.type)
      t.equal(e.v, 1)
    }
  }
  t.same(EVENT_TYPES.filter((x) => EVENTS[x].by === 'engine' && !seen.has(x)), [], 'every engine event type was written and read')
  const [c1] = await readHistory(redis, 'shared', 'acme', { call: 'c1', types: ['completed'] })
  t.match(c1, { agent: 'a2', agent_state: 'available', talk_ms: 30_000, wait_ms: 12_000, ended_by: 'agent' })
  const [login] = await readHistory(redis, 'shared', 'acme', { types: ['agent_state'], count: 1 })
  t.same([login!.from, login!.to, login!.reason], ['logged-out', 'available', undefined], "an empty reason reads as none")
})

t.test('entries that break the contract are refused with a pointed error, or skipped when asked', async (t) => {
  const base = ['type', 'escalated', 'ts', '5', 'tenant', 'acme', 'call', 'c1', 'queue', 'sales', 'step', '1']
  t.match(parseEvent(base), { type: 'escalated', v: 1, step: 1 }, 'no v: version 1')
  t.match(parseEvent([...base, 'v', '1']), { v: 1 })
  const refused: [string[], RegExp][] = [
    [['type', 'teleported', 'ts', '5', 'tenant', 'acme'], /entry 1-0 \(teleported\): is not an event type/],
    [base.slice(0, -2), /\(escalated\): field "step" is missing/],
    [[...base.slice(0, -1), 'two'], /field "step" must be an integer, got "two"/],
    [[...base, 'colour', 'red'], /field "colour" is not declared for this type/],
    [[...base, 'v', '2'], /field "v" is 2: this reader knows version 1/],
    [['type', 'abandoned', 'ts', '5', 'tenant', 'acme', 'call', 'c', 'queue', 'q', 'stage', 'lost', 'wait_ms', '1'], /field "stage" must be one of queued, ringing/],
    [['type', 'closed', 'ts', '5', 'tenant', 'acme', 'call', '', 'queue', 'q', 'action', 'hangup'], /field "call" is empty/],
    [['type', 'voicemail', 'ts', '5', 'tenant', 'acme', 'call', 'c', 'reason', 'r', 'file', 'f', 'attrs', '[1]'], /field "attrs" must be a JSON object/],
  ]
  for (const [fields, message] of refused) t.throws(() => parseEvent(fields, '1-0'), message)
  t.throws(() => parseEvent(base.slice(0, -2)), EventContractError)

  const { engine, redis } = await engineFixture(t)
  // an entry of an earlier writer, without v
  await redis.xadd(keys.events('shared', 'acme'), '*', 'type', 'closed', 'ts', '1', 'tenant', 'acme', 'call', 'old', 'queue', 'sales', 'action', 'hangup', 'caller', '')
  await redis.xadd(keys.events('shared', 'acme'), '*', 'type', 'teleported', 'ts', '1', 'tenant', 'acme')
  await engine.record('acme', { type: 'closed', call: 'new', queue: 'sales', action: 'message' })
  await t.rejects(readHistory(redis, 'shared', 'acme'), /teleported\): is not an event type/)
  const skipped: string[] = []
  const read = await readHistory(redis, 'shared', 'acme', { onInvalid: (err) => skipped.push(err.eventType!) })
  t.same(read.map((e) => [e.type, e.v, 'call' in e ? e.call : '']), [['closed', 1, 'old'], ['closed', 1, 'new']], 'an entry without v reads as version 1')
  t.same(skipped, ['teleported'])
})

t.test('the typed writer refuses what the contract does not allow', async (t) => {
  const { engine } = await engineFixture(t)
  const bad = (e: unknown) => engine.record('acme', e as CallFlowEvent)
  await t.rejects(bad(SAMPLES.reserved), /\(reserved\): is written by the engine, not the call-flow/)
  await t.rejects(bad({ ...SAMPLES.call_ended, outcome: 'vanished' }), /field "outcome" must be one of answered, abandoned/)
  await t.rejects(bad({ ...SAMPLES.call_ended, duration_ms: 1.5 }), /field "duration_ms" must be an integer number of milliseconds/)
  await t.rejects(bad({ ...SAMPLES.call_ended, colour: 'red' }), /field "colour" is not declared/)
  await t.rejects(bad({ type: 'call_ended', call: 'c' }), /field "outcome" is missing/)
  await t.rejects(bad({ ...SAMPLES.ivr_abandoned, keys: ['1,2'] }), /field "keys" must be a comma-separated list/)
  t.throws(() => encodeEvent(SAMPLES.escalated, { ts: -1, tenant: 'acme' }), /field "ts" must be a time/)
})

t.test("README's event table is the contract's, and npm run docs:events prints it", async (t) => {
  const readme = readSource('README.md').split('\n')
  const start = readme.findIndex((l) => l.startsWith('| event | written by |'))
  t.ok(start > 0, 'README has the event table')
  const section = readme.slice(0, start).reverse().find((l) => l.startsWith('## '))
  t.equal(section, '## The ACD engine', 'in the section on the ACD engine')
  let end = start
  while (readme[end]?.startsWith('|')) end++
  t.equal(readme.slice(start, end).join('\n'), renderEventTable(), 'equal to renderEventTable() (update with npm run docs:events)')
  const printed = execFileSync('npm', ['run', '--silent', 'docs:events'], { cwd: ROOT, encoding: 'utf8' })
  t.equal(printed, `${renderEventTable()}\n`)
})
