// Callbacks and voicemails on calendars: due times, calling hours, breaches; the real engine on a
// private redis-server, on an injected clock.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { engineOn } from '../helpers/engine'
import { keys } from '../../src/acd/keys'
import { parseConfig } from '../../src/config/load'
import { readHistory } from '../../src/events/history'
import { Metrics } from '../../src/telemetry/metrics'
import { bxl } from '../helpers/calendar-fixture'

const NUMBER = '+32470000009'

const YAML = `
tenants:
  - id: brux
    name: Brux Services
    timezone: Europe/Brussels
    pool: shared
    skills: [help]
    calendar: office
    callback_hours: calling
    calendars:
      office:
        hours: { mon-fri: ["08:30-12:30", "14:00-18:00"] }
        holidays: { country: BE, region: VLG }
      calling:
        hours: { mon-fri: ["09:00-17:00"] }
    response_times: { critical: 1, blocking: 4, minor: 8 }
    default_urgency: minor
    trunks: [{ id: brux-carrier, allowed_sources: [127.0.0.9/32], max_inbound: 5, max_outbound: 2, outbound_proxy: "127.0.0.9:5060" }]
    queues:
      - id: help
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        max_wait_seconds: 864000
        callback: { offer_after_seconds: 30, max_attempts: 1, expire_seconds: 604800 }
      - id: retries
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        callback: { offer_after_seconds: 30, max_attempts: 3, retry_seconds: { busy: 600 }, expire_seconds: 604800 }
  - id: other
    name: Other
    timezone: Europe/Brussels
    pool: shared
    skills: [help]
    response_times: { minor: 8 }
    default_urgency: minor
    trunks: [{ id: other-carrier, allowed_sources: [127.0.0.8/32], max_inbound: 5, max_outbound: 2, outbound_proxy: "127.0.0.8:5060" }]
    queues:
      - id: help
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        callback: { offer_after_seconds: 30, expire_seconds: 604800 }
agents:
  - { id: b1, tenants: [brux], skills: { brux: { help: 5 } } }
`

async function fixture(t: Test, start: Date, yaml = YAML) {
  const metrics = new Metrics()
  const { redis, config, clock, engine, notices } = await engineOn(t, yaml, { start: start.getTime(), instanceId: 'cal', metrics, file: 'callbacks.yaml' })
  const offered = () => notices.filter((n) => n.type === 'offer').map((n) => (n as { call: string }).call)
  const breaches = async () => {
    const m = (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('acd_callback_breaches_total{'))
    return m
  }
  return { redis, config, clock, engine, metrics, offered, breaches }
}

t.test('a callback carries its due time; not connected by then, it is a breach (event, stats, metric)', async (t) => {
  // Friday 4 December 2026 16:00, a blocking request: 2 h on Friday, Monday 08:30 + 2 h -> 10:30
  const f = await fixture(t, bxl('2026-12-04 16:00'))
  await f.engine.enqueue({ tenant: 'brux', queue: 'help', callId: 'cb', attributes: { urgency: 'blocking' } })
  await f.engine.requestCallback('brux', 'cb', NUMBER)
  const [asked] = await readHistory(f.redis, 'shared', 'brux', { types: ['callback_requested'] })
  t.match(asked, { call: 'cb', number: NUMBER, urgency: 'blocking', due: bxl('2026-12-07 10:30').getTime() })
  t.equal(asked!.not_before, undefined, 'asked inside the calling hours')
  t.match(await f.engine.callState('brux', 'cb'), { state: 'waiting', cb_due: String(bxl('2026-12-07 10:30').getTime()) })
  // nobody takes it; one millisecond before the due time nothing is reported
  f.clock.set(bxl('2026-12-07 10:30').getTime() - 1)
  await f.engine.tick()
  t.same(await readHistory(f.redis, 'shared', 'brux', { types: ['callback_breached'] }), [])
  t.same(await f.breaches(), [])
  f.clock.advance(1)
  await f.engine.tick()
  const breached = await readHistory(f.redis, 'shared', 'brux', { types: ['callback_breached'] })
  t.match(breached, [{ call: 'cb', queue: 'help', number: NUMBER, due: bxl('2026-12-07 10:30').getTime(), urgency: 'blocking', pending: true }])
  t.same(await f.breaches(), ['acd_callback_breaches_total{tenant="brux",queue="help"} 1'])
  t.match((await f.engine.snapshot('brux', 'help')).stats, { callbacks_breached: 1 })
  // reported once: later ticks add nothing; the callback itself is still to be made
  f.clock.advance(3600_000)
  await f.engine.tick()
  t.equal((await readHistory(f.redis, 'shared', 'brux', { types: ['callback_breached'] })).length, 1)
  t.match(await f.engine.callState('brux', 'cb'), { state: 'waiting', callback: NUMBER })
  t.same(await readHistory(f.redis, 'shared', 'other', {}), [], "nothing in another tenant's history")
})

t.test('a callback connected before its due time is no breach; the default urgency applies', async (t) => {
  const f = await fixture(t, bxl('2026-12-01 10:00'))
  await f.engine.enqueue({ tenant: 'brux', queue: 'help', callId: 'cb' })
  await f.engine.requestCallback('brux', 'cb', NUMBER)
  const [asked] = await readHistory(f.redis, 'shared', 'brux', { types: ['callback_requested'] })
  // minor, 8 h: Tuesday 10:00-12:30 (2.5), 14:00-18:00 (4), Wednesday 08:30 + 1.5 -> 10:00
  t.match(asked, { urgency: 'minor', due: bxl('2026-12-02 10:00').getTime() })
  await f.engine.login('b1', ['brux'])
  t.same(f.offered(), ['cb'])
  f.clock.advance(5000)
  await f.engine.answer('brux', 'cb', 'b1')
  await f.engine.callbackResult('brux', 'help', 'cb', 'connected')
  await f.engine.complete('brux', 'cb', 'agent')
  t.equal(await f.redis.zcard(keys.timers('shared')), 0, 'no timer left behind')
  f.clock.set(bxl('2026-12-03 10:00').getTime())
  await f.engine.tick()
  t.same(await readHistory(f.redis, 'shared', 'brux', { types: ['callback_breached'] }), [])
  t.same(await f.breaches(), [])
})

t.test('a callback given up before its due time is still a breach when the due time comes', async (t) => {
  const f = await fixture(t, bxl('2026-12-01 10:00'))
  await f.engine.enqueue({ tenant: 'brux', queue: 'help', callId: 'cb', attributes: { urgency: 'critical' } })
  await f.engine.requestCallback('brux', 'cb', NUMBER)
  await f.engine.login('b1', ['brux'])
  await f.engine.answer('brux', 'cb', 'b1')
  t.same(await f.engine.callbackResult('brux', 'help', 'cb', 'busy'), { state: 'failed', attempt: 1 }, 'one attempt only: given up')
  t.equal(await f.engine.callState('brux', 'cb'), undefined)
  f.clock.set(bxl('2026-12-01 11:00').getTime())
  await f.engine.tick()
  t.match(await readHistory(f.redis, 'shared', 'brux', { types: ['callback_breached'] }), [{ call: 'cb', urgency: 'critical', due: bxl('2026-12-01 11:00').getTime(), pending: false }])
  t.same(await f.breaches(), ['acd_callback_breaches_total{tenant="brux",queue="help"} 1'])
  t.equal(await f.redis.zcard(keys.timers('shared')), 0)
})

t.test('asked outside the calling hours: out of the queue until they open, then back in its place', async (t) => {
  // Friday 17:30: the office is open (until 18:00) but callbacks are made 09:00-17:00 only
  const f = await fixture(t, bxl('2026-12-04 17:30'))
  await f.engine.enqueue({ tenant: 'brux', queue: 'help', callId: 'early' })
  await f.engine.enqueue({ tenant: 'brux', queue: 'help', callId: 'cb' })
  t.same(await f.engine.requestCallback('brux', 'cb', NUMBER), { position: 2 })
  const [asked] = await readHistory(f.redis, 'shared', 'brux', { types: ['callback_requested'] })
  t.match(asked, { not_before: bxl('2026-12-07 09:00').getTime(), urgency: 'minor' })
  // minor 8 h from Friday 17:30: 0.5 h Friday, Monday 08:30-12:30 (4.5), 14:00 + 3.5 -> 17:30
  t.equal(asked!.due, bxl('2026-12-07 17:30').getTime())
  t.match(await f.engine.callState('brux', 'cb'), { state: 'retry' })
  t.equal(await f.redis.zscore(keys.queueWaiting('shared', 'brux', 'help'), 'cb'), null, 'not in the queue')
  await f.engine.abandon('brux', 'early')
  await f.engine.login('b1', ['brux'])
  t.same(f.offered(), [], 'an agent free on Friday evening is not offered it')
  f.clock.set(bxl('2026-12-07 08:59').getTime())
  await f.engine.tick()
  t.same(f.offered(), [])
  f.clock.set(bxl('2026-12-07 09:00').getTime())
  await f.engine.tick()
  t.same(f.offered(), ['cb'], 'offered when the calling hours open')
  t.match(await readHistory(f.redis, 'shared', 'brux', { types: ['callback_retry'] }), [{ call: 'cb', attempt: 1 }])
  await f.engine.answer('brux', 'cb', 'b1')
  await f.engine.callbackResult('brux', 'help', 'cb', 'connected')
  await f.engine.complete('brux', 'cb')
  f.clock.set(bxl('2026-12-08 09:00').getTime())
  await f.engine.tick()
  t.same(await f.breaches(), [], 'made in time')
})

t.test('the calling hours close on a waiting callback: held out of the queue until they open', async (t) => {
  const f = await fixture(t, bxl('2026-12-01 16:30'))
  await f.engine.enqueue({ tenant: 'brux', queue: 'help', callId: 'cb' })
  await f.engine.requestCallback('brux', 'cb', NUMBER)
  t.match(await f.engine.callState('brux', 'cb'), { state: 'waiting' })
  f.clock.set(bxl('2026-12-01 16:59').getTime())
  await f.engine.tick()
  t.match(await f.engine.callState('brux', 'cb'), { state: 'waiting' }, 'still open at 16:59')
  f.clock.set(bxl('2026-12-01 17:00').getTime())
  await f.engine.tick()
  t.match(await f.engine.callState('brux', 'cb'), { state: 'retry' })
  t.match(await readHistory(f.redis, 'shared', 'brux', { types: ['callback_held'] }), [{ call: 'cb', queue: 'help', until: bxl('2026-12-02 09:00').getTime() }])
  await f.engine.login('b1', ['brux'])
  t.same(f.offered(), [], 'the office is open until 18:00, but no callback is made after 17:00')
  f.clock.set(bxl('2026-12-02 09:00').getTime())
  await f.engine.tick()
  t.same(f.offered(), ['cb'])
  await f.engine.answer('brux', 'cb', 'b1')
  await f.engine.callbackResult('brux', 'help', 'cb', 'connected')
  await f.engine.complete('brux', 'cb')
  t.same(await f.redis.zrange(keys.timers('shared'), 0, -1), [], 'no timer left behind')
})

t.test('a failed attempt whose retry falls after the calling hours is retried at their opening', async (t) => {
  const f = await fixture(t, bxl('2026-12-01 16:50'))
  await f.engine.enqueue({ tenant: 'brux', queue: 'retries', callId: 'cb' })
  await f.engine.requestCallback('brux', 'cb', NUMBER)
  await f.engine.login('b1', ['brux'])
  await f.engine.answer('brux', 'cb', 'b1')
  f.clock.advance(60_000)
  t.same(await f.engine.callbackResult('brux', 'retries', 'cb', 'busy'), { state: 'retry', attempt: 1 })
  // the retry (10 min) would come at 17:01, after the calling hours
  f.clock.set(bxl('2026-12-01 17:01').getTime())
  await f.engine.tick()
  t.match(await f.engine.callState('brux', 'cb'), { state: 'retry' })
  t.match(await readHistory(f.redis, 'shared', 'brux', { types: ['callback_held'] }), [{ call: 'cb', until: bxl('2026-12-02 09:00').getTime() }])
  t.same(f.offered(), ['cb'], 'only the first offer')
  f.clock.set(bxl('2026-12-02 09:00').getTime())
  await f.engine.tick()
  t.same(f.offered(), ['cb', 'cb'], 'offered again at the opening')
  t.match(await readHistory(f.redis, 'shared', 'brux', { types: ['callback_retry'] }), [{ call: 'cb', attempt: 2 }])
})

t.test('a tenant without calendar: due time in hours of the clock, callbacks at any hour; its breaches are its own', async (t) => {
  const f = await fixture(t, bxl('2026-12-05 23:00'))
  await f.engine.enqueue({ tenant: 'other', queue: 'help', callId: 'cb' })
  await f.engine.requestCallback('other', 'cb', NUMBER)
  const [asked] = await readHistory(f.redis, 'shared', 'other', { types: ['callback_requested'] })
  t.match(asked, { urgency: 'minor', due: bxl('2026-12-05 23:00').getTime() + 8 * 3600_000 })
  t.equal(asked!.not_before, undefined)
  t.match(await f.engine.callState('other', 'cb'), { state: 'waiting' })
  f.clock.advance(8 * 3600_000)
  await f.engine.tick()
  t.same(await f.breaches(), ['acd_callback_breaches_total{tenant="other",queue="help"} 1'])
  t.same(await readHistory(f.redis, 'shared', 'brux', {}), [], "nothing in brux's history")
})

t.test('a voicemail carries its due time in its history record', async (t) => {
  process.env['VOICEMAIL_DIR'] = mkdtempSync(join(tmpdir(), 'vm-'))
  const { takeVoicemail } = await import('../../src/call/steps/voicemail')
  const { Call } = await import('../../src/call/call')
  const { silentLogger } = await import('../../src/telemetry/logger')
  const config = parseConfig(YAML, 'callbacks.yaml')
  const recorded: unknown[] = []
  const call = new Call(config.tenants.get('brux')!, { queue: 'help', presented: '+3225551231', callerNumber: NUMBER })
  call.attributes['urgency'] = 'critical'
  const ctx = {
    call,
    engine: { record: async (_tenant: string, e: unknown) => void recorded.push(e) },
    media: { play: async () => undefined, record: async () => undefined },
    log: silentLogger,
    timers: { now: () => bxl('2026-12-04 17:30').getTime() },
    resumeHold: () => undefined,
  } as unknown as Parameters<typeof takeVoicemail>[0]
  await takeVoicemail(ctx, 'closed')
  // critical, 1 h from Friday 17:30: 30 min Friday, Monday 08:30 + 30 min
  t.match(recorded, [{ type: 'voicemail', call: call.id, reason: 'closed', urgency: 'critical', due: bxl('2026-12-07 09:00').getTime() }])
  const other = new Call(config.tenants.get('other')!, { queue: 'help', presented: '+3225551231' })
  recorded.length = 0
  await takeVoicemail({ ...ctx, call: other } as typeof ctx, 'queue-full')
  t.match(recorded, [{ type: 'voicemail', urgency: 'minor', due: bxl('2026-12-04 17:30').getTime() + 8 * 3600_000 }], 'no calendar: hours of the clock')
})

t.test('calling hours that never open: the callback waits out of the queue and expires, never attempted', async (t) => {
  const { closedWindows } = await import('../../src/routing/callback-hours')
  const never = YAML.replace('calling:\n        hours: { mon-fri: ["09:00-17:00"] }', 'calling:\n        hours: {}')
  const config = parseConfig(never, 'callbacks.yaml')
  const brux = config.tenants.get('brux')!
  const help = brux.queues.find((q) => q.id === 'help')!
  const from = bxl('2026-12-01 10:00')
  const expires = new Date(from.getTime() + 604_800_000)
  t.same(closedWindows(brux, help, from, expires), [[from.getTime(), expires.getTime() + 86_400_000]], 'one window, past the expiry')
  const n = await fixture(t, from, never)
  await n.engine.enqueue({ tenant: 'brux', queue: 'help', callId: 'cb' })
  await n.engine.requestCallback('brux', 'cb', NUMBER)
  t.match(await n.engine.callState('brux', 'cb'), { state: 'retry' })
  await n.engine.login('b1', ['brux'])
  n.clock.set(expires.getTime())
  await n.engine.tick()
  t.same(n.offered(), [], 'never offered')
  t.match(await readHistory(n.redis, 'shared', 'brux', { types: ['callback_failed'] }), [{ call: 'cb', outcome: 'expired', final: true }])
  t.equal(await n.engine.callState('brux', 'cb'), undefined)
  // with the shipped calling hours: Tuesday 17:00 -> Wednesday 09:00, Wednesday 17:00 -> Thursday 09:00
  const f = await fixture(t, from)
  const shipped = f.config.tenants.get('brux')!
  t.same(closedWindows(shipped, shipped.queues.find((q) => q.id === 'help')!, from, new Date(from.getTime() + 2 * 86_400_000)), [
    [bxl('2026-12-01 17:00').getTime(), bxl('2026-12-02 09:00').getTime()],
    [bxl('2026-12-02 17:00').getTime(), bxl('2026-12-03 09:00').getTime()],
  ])
})
