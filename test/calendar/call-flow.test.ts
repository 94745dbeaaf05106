// The call flow's opening step on calendars: the decision and its reason in the tenant's history.
import t from 'tap'
import type { Calendar } from '../../src/config/model'
import { config, flowSetup as setup } from '../helpers/call-fakes'

const week = (ranges: { start: number; end: number }[]) => [0, 1, 2, 3, 4].map(() => ranges).concat([[], []])
const evening: Calendar = { id: 'evening', hours: week([{ start: 18 * 60, end: 22 * 60 }]), holidays: undefined, dates: {}, closures: [], openings: [], extra: {} }
const days: Calendar = { ...evening, id: 'days', hours: week([{ start: 9 * 60, end: 17 * 60 }]) }

/** gridco (Europe/Paris) with the outages queue on `calendar`; the flow's clock starts on Tuesday 1 December 2026 at 11:00 in Paris. */
function withCalendar(calendar: Calendar) {
  const gridco = config.tenants.get('gridco')!
  const c = { ...config, tenants: new Map(config.tenants) }
  c.tenants.set('gridco', {
    ...gridco,
    calendars: { [calendar.id]: calendar },
    queues: gridco.queues.map((q) => (q.id === 'outages' ? { ...q, calendar: calendar.id, whenClosed: 'message' as const } : q)),
  })
  return c
}

t.test('after hours: the closed event says why and when the queue opens; the call is refused, never queued', async (t) => {
  const s = setup({ tenantConfig: withCalendar(evening) })
  const started = s.start()
  await s.timers.advance(1000)
  await started
  t.same(s.eng.events.map((e) => e.type), ['closed', 'call_ended'])
  t.match(s.eng.events[0], { tenant: 'gridco', fields: { queue: 'outages', action: 'message', reason: 'after-hours', opens_at: Date.parse('2026-12-01T17:00:00Z') } })
  t.match(s.ending(), [{ outcome: 'refused', reason: 'queue-closed' }])
  t.notOk(s.eng.ops().includes('enqueue'))
})

t.test('inside the hours: queued as usual', async (t) => {
  const s = setup({ tenantConfig: withCalendar(days) })
  await s.start()
  t.same(s.eng.ops(), ['enqueue'])
  t.same(s.eng.events.filter((e) => e.type === 'closed'), [])
})
