process.env.TZ = 'America/Los_Angeles'
import t from 'tap'
import { dueTime, entryStatus, queueStatus } from '../../src/routing/opening'
import { bxl, calendarConfig, iso } from '../helpers/calendar-fixture'

const config = calendarConfig()
const plain = '+3225551231'
const extended = '+3225551232'
const helpdesk = '+3225551233'
const status = (e: Parameters<typeof entryStatus>[1], text: string) => entryStatus(config, e, bxl(text))

t.test('a DDI: the tenant calendar, its extra hours, the caller contract', async (t) => {
  t.same(status({ tenant: 'brux', ddi: plain, queue: 'desk' }, '2026-12-01 07:30'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 08:30') })
  t.same(status({ tenant: 'brux', ddi: extended, queue: 'desk' }, '2026-12-01 07:30'), { open: true, closesAt: bxl('2026-12-01 19:00') }, "the DDI's extended hours open the queue too")
  t.same(status({ tenant: 'brux', ddi: plain, queue: 'desk', attributes: { contract: 'premium' } }, '2026-12-01 07:30'), { open: true, closesAt: bxl('2026-12-01 19:00') }, 'a contract attribute (IVR) grants them')
  t.same(status({ tenant: 'brux', ddi: plain, queue: 'desk', caller: '+32470000001' }, '2026-12-01 18:30'), { open: true, closesAt: bxl('2026-12-01 19:00') }, 'so does the per-number list')
  t.same(status({ tenant: 'brux', ddi: plain, queue: 'desk', caller: '+32470000002' }, '2026-12-01 18:30'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-02 08:30') }, 'another caller gets the usual hours')
  t.same(status({ tenant: 'brux', ddi: plain, queue: 'desk', attributes: { contract: 'basic' } }, '2026-12-01 07:30'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 08:30') }, 'an unknown contract grants nothing')
  t.same(status({ tenant: 'brux', ddi: plain, queue: 'desk', attributes: { contract: 'basic' }, caller: '+32470000001' }, '2026-12-01 07:30'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 08:30') }, 'the attribute, when set, wins over the number list')
  t.same(status({ tenant: 'brux', ddi: '+32 2 555 12 32', queue: 'desk' }, '2026-12-01 07:30'), { open: true, closesAt: bxl('2026-12-01 19:00') }, 'a DDI as dialled is normalised')
  t.same(status({ tenant: 'brux', ddi: extended }, '2026-05-25 07:30'), { open: false, reason: 'holiday:Whit Monday', opensAt: bxl('2026-05-26 07:00') })
})

t.test('a DDI and a queue with different calendars: closed when either is, open when both are', async (t) => {
  // helpdesk: DDI on the office calendar, queue on support (09:00-17:00 Mon-Fri)
  t.same(status({ tenant: 'brux', ddi: helpdesk, queue: 'helpdesk' }, '2026-12-01 08:45'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 09:00') }, 'office open, support not yet')
  t.same(status({ tenant: 'brux', ddi: helpdesk, queue: 'helpdesk' }, '2026-12-01 10:00'), { open: true, closesAt: bxl('2026-12-01 12:30') }, 'the first to close')
  t.same(status({ tenant: 'brux', ddi: helpdesk, queue: 'helpdesk' }, '2026-12-01 12:45'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 14:00') }, 'support open, office at lunch')
  t.same(status({ tenant: 'brux', ddi: helpdesk, queue: 'helpdesk' }, '2026-12-01 16:30'), { open: true, closesAt: bxl('2026-12-01 17:00') })
  t.same(status({ tenant: 'brux', ddi: helpdesk, queue: 'helpdesk' }, '2026-12-04 17:30'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-07 09:00') }, 'office opens Saturday, support Monday 09:00: both Monday 09:00')
  t.same(status({ tenant: 'brux', queue: 'helpdesk' }, '2026-12-05 10:00'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-07 09:00') }, 'the queue alone')
  t.same(status({ tenant: 'brux', ddi: helpdesk }, '2026-12-05 10:00'), { open: true, closesAt: bxl('2026-12-05 12:00') }, 'the DDI alone')
  t.same(status({ tenant: 'brux', ddi: helpdesk, queue: 'helpdesk' }, '2026-05-25 10:00'), { open: false, reason: 'holiday:Whit Monday', opensAt: bxl('2026-05-26 09:00') }, "the DDI's reason first")
})

t.test('the closed flag, tenants without calendars, and tenant isolation', async (t) => {
  t.same(status({ tenant: 'brux', queue: 'shut' }, '2026-12-01 10:00'), { open: false, reason: 'closed' })
  const shut = config.tenants.get('brux')!.queues.find((q) => q.id === 'shut')!
  t.match(queueStatus(shut, bxl('2026-12-01 10:00')), { open: false, action: 'message', reason: 'closed' }, 'queueStatus without a tenant: the flag only')
  const desk = config.tenants.get('brux')!.queues.find((q) => q.id === 'desk')!
  t.same(queueStatus(desk, bxl('2026-12-01 07:00')), { open: true }, 'queueStatus without a tenant ignores calendars')
  t.same(queueStatus(desk, bxl('2026-12-01 07:00'), config.tenants.get('brux')), { open: false, action: 'message', reason: 'after-hours', opensAt: bxl('2026-12-01 08:30') })
  t.same(entryStatus(config, { tenant: 'tokyo', ddi: '+81332101234', queue: 'help' }, bxl('2026-12-25 03:00')), { open: true }, 'no calendar: always open')
  // another tenant's DDI or queue is unknown here, whatever its calendar says
  t.same(entryStatus(config, { tenant: 'tokyo', ddi: plain }, bxl('2026-12-01 10:00')), { open: false, reason: 'unknown-ddi' })
  t.same(entryStatus(config, { tenant: 'nyc', queue: 'desk' }, bxl('2026-12-01 10:00')), { open: false, reason: 'unknown-queue' })
  t.same(entryStatus(config, { tenant: 'ghost', queue: 'desk' }, bxl('2026-12-01 10:00')), { open: false, reason: 'unknown-tenant' })
  // brux's contract numbers grant nothing to a nyc caller
  const ny = entryStatus(config, { tenant: 'nyc', ddi: '+12125550100', queue: 'help', caller: '+32470000001', attributes: { contract: 'premium' } }, new Date('2026-12-01T13:30:00Z'))
  t.same(ny, { open: false, reason: 'after-hours', opensAt: new Date('2026-12-01T14:00:00Z') })
})

t.test('due times by urgency, in working hours of the calendar', async (t) => {
  const due = (urgency: string | undefined, text: string, calendar?: string) => {
    const d = dueTime(config, 'brux', urgency, bxl(text), calendar)
    return d && { ...d, due: iso(d.due) }
  }
  // office calendar (Saturday mornings open)
  t.same(due('critical', '2026-12-04 17:30'), { urgency: 'critical', hours: 1, due: iso(bxl('2026-12-05 09:30')) })
  // weekdays calendar: the contract's example
  t.same(due('blocking', '2026-12-04 17:00', 'weekdays'), { urgency: 'blocking', hours: 4, due: iso(bxl('2026-12-07 11:30')) })
  t.same(due(undefined, '2026-12-01 10:00', 'weekdays'), { urgency: 'minor', hours: 8, due: iso(bxl('2026-12-02 10:00')) }, 'the default urgency')
  t.same(due('whatever', '2026-12-01 10:00', 'weekdays'), { urgency: 'minor', hours: 8, due: iso(bxl('2026-12-02 10:00')) }, 'an unknown urgency: the default')
  t.same(due('non-blocking', '2026-12-01 10:00', 'weekdays'), { urgency: 'non-blocking', hours: 16, due: iso(bxl('2026-12-03 10:00')) })
  t.equal(dueTime(config, 'nyc', 'low', new Date('2026-12-01T12:00:00Z')), undefined, 'no default urgency: no due time')
  t.same(dueTime(config, 'nyc', 'urgent', new Date('2026-12-01T21:30:00Z')), { urgency: 'urgent', hours: 2, due: new Date('2026-12-02T15:30:00Z') }, 'nyc: 16:30 EST + 30 min, then 09:00 + 1.5 h')
  t.same(dueTime(config, 'tokyo', undefined, new Date('2026-12-01T12:00:00Z')), { urgency: 'minor', hours: 8, due: new Date('2026-12-01T20:00:00Z') }, 'no calendar: hours of the clock')
  t.equal(dueTime(config, 'ghost', 'critical', new Date()), undefined)
})

t.test("the call flow's opening step asks the calendars with the call's DDI, attributes and caller", async (t) => {
  const { Call } = await import('../../src/call/call')
  const { openingCheck } = await import('../../src/call/steps/opening')
  const brux = config.tenants.get('brux')!
  const at = bxl('2026-12-01 07:30').getTime()
  t.same(openingCheck(new Call(brux, { queue: 'desk', presented: plain }), at), { open: false, action: 'message', reason: 'after-hours', opensAt: bxl('2026-12-01 08:30').getTime() })
  t.same(openingCheck(new Call(brux, { queue: 'desk', presented: extended }), at), { open: true }, 'the extended DDI')
  t.same(openingCheck(new Call(brux, { queue: 'desk', presented: plain, callerNumber: '+32470000001' }), at), { open: true }, 'a premium caller')
  const ivrCall = new Call(brux, { queue: 'desk', presented: plain })
  ivrCall.attributes.contract = 'premium'
  t.same(openingCheck(ivrCall, at), { open: true }, 'a contract chosen in the IVR')
  t.match(openingCheck(new Call(brux, { queue: 'desk', presented: plain }), bxl('2026-12-24 10:00').getTime()), { open: false, reason: 'holiday:christmas-eve' })
})

t.test('a blind transfer to a queue closed by its calendar is refused, on the clock given', async (t) => {
  const { transferTarget } = await import('../../src/routing/transfer')
  t.same(transferTarget(config, 'brux', 'queue-helpdesk', bxl('2026-12-01 10:00')), { kind: 'queue', queue: 'helpdesk' })
  t.match(transferTarget(config, 'brux', 'queue-helpdesk', bxl('2026-12-01 17:30')), { kind: 'refused', status: 403, reason: /helpdesk is closed/ })
  t.match(transferTarget(config, 'brux', '+3225551233', bxl('2026-12-05 10:00')), { kind: 'refused', status: 403, reason: /closed/ }, 'by DDI too: support is closed on Saturday')
})
