import t from 'tap'
import type { Notice } from '../../src/acd/types'
import { Call } from '../../src/call/call'
import type { OutsideDialer } from '../../src/call/ports'
import { outOfHours } from '../../src/call/steps/out-of-hours'
import { MAX_OVERFLOW_HOPS } from '../../src/call/steps/overflow'
import { parseConfig } from '../../src/config/load'
import { silentLogger } from '../../src/telemetry/logger'
import { fakeEngine, fakeLeg, fakeMedia, flowSetup, ManualTimers } from '../helpers/call-fakes'

const overflow = (call: string, target: string, reason = 'waited', extra: Partial<Notice> = {}) =>
  ({ type: 'overflow', tenant: 'gridco', call, queue: 'outages', target, reason, seq: '7', enqueuedAt: 1000, priority: 20, ...extra }) as Notice

t.test('an overflow to an outside number: forwarded on the trunk and joined; the history says so', async (t) => {
  const far = fakeLeg('backup-centre', { number: '+33612000000' })
  const s = flowSetup({ outside: async () => ({ ok: true, leg: far.leg }) })
  await s.start()
  await s.timers.advance(5000)
  await s.flow.notice(overflow(s.call.id, 'number:+33612000000'))
  await s.timers.advance(10)
  t.same(s.outsideCalls, ['+33612000000'])
  t.same(s.caller.log.filter((l) => l.startsWith('connect')), ['connect:backup-centre'])
  t.match(s.eng.events.find((e) => e.type === 'forwarded')!.fields, { number: '+33612000000', reason: 'overflow-waited', attempt: 1, outcome: 'answered', response_ms: 5000 })
  far.hangUpFarEnd()
  await s.timers.advance(10)
  t.match(s.ending(), [{ outcome: 'forwarded', reason: 'agent-hangup' }])
  t.same(far.log.slice(-1), ['release'])
})

t.test('an outside number that does not answer: the call ends (no media) with the reason', async (t) => {
  const s = flowSetup({ media: false, outside: async () => ({ ok: false, outcome: 'busy', status: 486 }) })
  await s.start()
  await s.flow.notice(overflow(s.call.id, 'number:+33612000000', 'no-agents'))
  await s.timers.advance(10)
  t.match(s.eng.events.find((e) => e.type === 'forwarded')!.fields, { outcome: 'busy', reason: 'overflow-no-agents' })
  t.match(s.ending(), [{ outcome: 'overflowed-out', reason: 'overflow-no-agents-unanswered' }])
})

t.test('queue to queue overflows are bounded at run time', async (t) => {
  const s = flowSetup({ media: false })
  await s.start()
  for (let i = 0; i < MAX_OVERFLOW_HOPS; i++) {
    await s.flow.notice(overflow(s.call.id, i % 2 ? 'queue:outages' : 'queue:connections'))
    await s.timers.advance(10)
  }
  t.equal(s.eng.ops().filter((o) => o === 'enqueue').length, MAX_OVERFLOW_HOPS + 1, 'each hop queues again, keeping its place')
  t.match(s.eng.calls.filter((c) => c.op === 'enqueue')[1]!.args[0], { queue: 'connections', keepPlace: { seq: '7', enqueuedAt: 1000 }, priority: 20 })
  t.same(s.ending(), [])
  await s.flow.notice(overflow(s.call.id, 'queue:connections'))
  await s.timers.advance(10)
  t.match(s.ending(), [{ outcome: 'overflowed-out', reason: 'overflow-hops' }])
})

const ROTA_YAML = `
tenants:
  - id: gridco
    name: GridCo
    timezone: Europe/Paris
    skills: [outage]
    outbound_allowed: ["+336"]
    trunks: [{ id: gridco-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 5, max_outbound: 2, outbound_proxy: "127.0.0.2:5070" }]
    on_call:
      night:
        handover: { day: thu, time: "08:00" }
        starts: "2026-11-26"
        ring_seconds: 12
        technicians:
          - { id: marc, number: "+33 6 11 00 00 01" }
          - { id: sofie, number: "+33 6 11 00 00 02" }
          - { id: jan, number: "+33 6 11 00 00 03" }
        fallback: voicemail
    ddis:
      - { number: "+33 9 72 00 00 01", queue: outages, when_closed: { on_call: night } }
    queues:
      - { id: outages, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle }
`

function afterHoursCall(results: Array<'busy' | 'no-answer' | 'answered'>) {
  const cfg = parseConfig(ROTA_YAML)
  const timers = new ManualTimers(Date.parse('2026-12-04T01:00:00Z')) // Friday night, Paris: sofie's week
  const eng = fakeEngine(cfg)
  const tech = fakeLeg('technician')
  const rung: Array<{ number: string; ringSeconds: number }> = []
  const outside: OutsideDialer = {
    call: async (req) => {
      rung.push({ number: req.number, ringSeconds: req.ringSeconds })
      await timers.sleep(3000)
      const r = results.shift() ?? 'no-answer'
      return r === 'answered' ? { ok: true, leg: tech.leg } : { ok: false, outcome: r }
    },
  }
  const call = new Call(cfg.tenants.get('gridco')!, { queue: 'outages', presented: '+33972000001', callerNumber: '+33612345678' })
  call.arrivedAt = timers.now()
  const media = fakeMedia(timers)
  const run = () =>
    outOfHours({ outside, engine: eng.engine, log: silentLogger, timers }, call, media.media, cfg.ddis.get('+33972000001')!.whenClosed, { reason: 'after-hours', opensAt: Date.parse('2026-12-04T07:30:00Z') }, () => undefined)
  return { run, timers, eng, rung, call, media }
}

t.test('on call: the technician on duty first, then the rota order; answered is joined with its response time', async (t) => {
  const s = afterHoursCall(['no-answer', 'answered'])
  const done = s.run()
  await s.timers.advance(10_000)
  const r = await done
  t.equal(r.kind, 'joined')
  t.same(s.rung, [
    { number: '+33611000002', ringSeconds: 12 },
    { number: '+33611000003', ringSeconds: 12 },
  ])
  t.match(s.eng.events[0], { type: 'out_of_hours', fields: { ddi: '+33972000001', reason: 'after-hours', handling: 'on-call', opens_at: Date.parse('2026-12-04T07:30:00Z') } })
  t.match(
    s.eng.events.slice(1).map((e) => e.fields),
    [
      { reason: 'on-call', rota: 'night', technician: 'sofie', attempt: 1, outcome: 'no-answer' },
      { reason: 'on-call', rota: 'night', technician: 'jan', attempt: 2, outcome: 'answered', response_ms: 6000 },
    ],
  )
  t.same(s.call.forwarded, { reason: 'on-call' })
})

t.test('on call, nobody answers: the rota fallback (voicemail)', async (t) => {
  const s = afterHoursCall(['busy', 'no-answer', 'no-answer'])
  const done = s.run()
  await s.timers.advance(20_000)
  t.same(await done, { kind: 'voicemail' })
  t.equal(s.rung.length, 3, 'every technician tried once')
  t.equal(s.call.forwarded, undefined)
})

const CLOSED_YAML = (whenClosed: string, queueExtra = '') => `
tenants:
  - id: gridco
    name: GridCo
    timezone: Europe/Paris
    skills: [outage]
    outbound_allowed: ["+336"]
    trunks: [{ id: gridco-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 5, max_outbound: 2, outbound_proxy: "127.0.0.2:5070" }]
    calendars:
      office: { hours: { mon-fri: ["08:30-18:00"] }, dates: [{ date: "2026-12-01", name: founders-day }] }
    ddis:
      - { number: "+33 9 72 00 00 01", queue: outages, calendar: office, when_closed: ${whenClosed} }
    queues:
      - { id: outages, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle${queueExtra} }
      - { id: backup, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle }
`

t.test('a closed DDI (a holiday of its calendar): out_of_hours, then its forward, joined; never queued', async (t) => {
  const far = fakeLeg('duty-phone')
  const s = flowSetup({ tenantConfig: parseConfig(CLOSED_YAML('{ forward: "+33 6 12 00 00 00" }')), outside: async () => ({ ok: true, leg: far.leg }) })
  await s.start()
  await s.timers.advance(10)
  t.match(s.eng.events[0], { type: 'out_of_hours', fields: { ddi: '+33972000001', reason: 'holiday:founders-day', handling: 'forward' } })
  t.ok(Number(s.eng.events[0]!.fields['opens_at']) > s.timers.now(), 'with when it opens next')
  t.match(s.eng.events[1], { type: 'forwarded', fields: { number: '+33612000000', reason: 'out-of-hours', outcome: 'answered' } })
  t.same(s.caller.log.filter((l) => l.startsWith('connect')), ['connect:duty-phone'])
  t.notOk(s.eng.ops().includes('enqueue'), 'never queued')
  s.caller.hangUpFarEnd()
  await s.timers.advance(10)
  t.match(s.ending(), [{ outcome: 'forwarded', reason: 'caller-hangup' }])
})

t.test('a closed DDI with the closed message: played, then the end (refused, out-of-hours)', async (t) => {
  const s = flowSetup({ tenantConfig: parseConfig(CLOSED_YAML('{ action: message }')) })
  const started = s.start()
  await s.timers.advance(1000)
  await started
  t.same(s.eng.events.map((e) => e.type), ['out_of_hours', 'call_ended'])
  t.match(s.ending(), [{ outcome: 'refused', reason: 'out-of-hours' }])
})

t.test("a closed queue with a closed rule: the rule's target instead of when_closed", async (t) => {
  const yaml = CLOSED_YAML('{ action: message }', ', calendar: office, overflow_rules: [{ when: { closed: true }, to: { queue: backup } }]').replace(', calendar: office, when_closed', ', when_closed')
  const s = flowSetup({ tenantConfig: parseConfig(yaml) })
  await s.start()
  await s.timers.advance(10)
  t.match(s.eng.events[0], { type: 'closed', fields: { queue: 'outages', action: 'overflow', target: 'queue:backup', reason: 'holiday:founders-day' } })
  t.match(s.eng.calls.filter((c) => c.op === 'enqueue').map((c) => (c.args[0] as { queue: string }).queue), ['backup'])
})

t.test('the backup-site target: the copy of the queue at the backup site, keeping the place', async (t) => {
  const yaml = `
sites: [{ id: gosselies }, { id: mechelen }]
tenants:
  - id: gridco
    name: GridCo
    timezone: Europe/Paris
    skills: [outage]
    ddis:
      - { number: "+33 9 72 00 00 01", queue: outages, site: gosselies, backup_site: mechelen }
    queues:
      - { id: outages, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle, overflow_rules: [{ when: { waiting_at_least: 10 }, to: { backup_site: true } }] }
      - { id: lonely, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle }
agents:
  - { id: g1, site: gosselies, tenants: [gridco], skills: { gridco: { outage: 5 } } }
  - { id: m1, site: mechelen, tenants: [gridco], skills: { gridco: { outage: 5 } } }
`
  const cfg = parseConfig(yaml)
  t.same(cfg.tenants.get('gridco')!.queues.find((q) => q.id === 'outages@mechelen')!.overflowRules, [], 'the copy is at the backup already')
  const s = flowSetup({ tenantConfig: cfg, media: false })
  await s.start()
  await s.flow.notice(overflow(s.call.id, 'backup-site', 'waiting'))
  await s.timers.advance(10)
  t.match(s.eng.calls.filter((c) => c.op === 'enqueue').map((c) => c.args[0]), [{ queue: 'outages' }, { queue: 'outages@mechelen', keepPlace: { seq: '7', enqueuedAt: 1000 }, priority: 20 }])
  const bad = yaml.replace('queue: outages, site: gosselies', 'queue: lonely, site: gosselies').replace("to: { backup_site: true }", 'to: { backup_site: true }')
  t.throws(() => parseConfig(bad, 'b.yaml'), /queues\/0\/overflow_rules\/0\/to\/backup_site: queue "outages" has no backup site/)
})
