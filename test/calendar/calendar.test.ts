// The machine's zone must not matter: the calendars below are read in their tenants' zones.
process.env.TZ = 'Pacific/Auckland'
import t from 'tap'
import { addWorkingHours, calendarStatus } from '../../src/calendar'
import { bxl, calendarConfig, iso, local } from '../helpers/calendar-fixture'

const config = calendarConfig()
const brux = config.tenants.get('brux')!
const office = brux.calendars.office!
const Z = 'Europe/Brussels'
const at = (text: string, extra?: string[]) => calendarStatus(office, Z, bxl(text), extra)

t.test('the machine runs in another zone than the tenants', async (t) => {
  t.not(new Date(Date.UTC(2026, 11, 1, 12)).getTimezoneOffset(), -60, 'process zone is not Brussels')
  t.equal(new Date(Date.UTC(2026, 11, 1, 12)).getTimezoneOffset(), -780, 'process zone is Auckland (UTC+13 in December)')
})

t.test('weekly hours with a split shift: every edge', async (t) => {
  // Tuesday 1 December 2026
  t.same(at('2026-12-01 08:29'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 08:30') })
  t.same(at('2026-12-01 08:30'), { open: true, closesAt: bxl('2026-12-01 12:30') })
  t.same(at('2026-12-01 12:29'), { open: true, closesAt: bxl('2026-12-01 12:30') })
  t.same(at('2026-12-01 12:30'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 14:00') })
  t.same(at('2026-12-01 14:00'), { open: true, closesAt: bxl('2026-12-01 18:00') })
  t.same(at('2026-12-01 18:00'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-02 08:30') })
  t.same(at('2026-12-01 23:59'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-02 08:30') })
  // one millisecond before closing is still open
  t.same(calendarStatus(office, Z, new Date(bxl('2026-12-01 18:00').getTime() - 1)), { open: true, closesAt: bxl('2026-12-01 18:00') })
  // Friday evening -> Saturday morning; Saturday noon -> Monday
  t.same(at('2026-12-04 18:00'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-05 09:00') })
  t.same(at('2026-12-05 11:00'), { open: true, closesAt: bxl('2026-12-05 12:00') })
  t.same(at('2026-12-05 12:00'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-07 08:30') })
  t.same(at('2026-12-06 10:00'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-07 08:30') })
})

t.test('a round-the-clock calendar never closes within the horizon; one with no hours never opens', async (t) => {
  t.same(calendarStatus(brux.calendars.always!, Z, bxl('2026-12-01 03:00')), { open: true })
  const none = { ...office, hours: office.hours.map(() => []), openings: [], extra: {} }
  t.same(calendarStatus(none, Z, bxl('2026-12-01 10:00')), { open: false, reason: 'after-hours' })
  t.throws(() => addWorkingHours(none, Z, bxl('2026-12-01 10:00'), 1), /does not hold 1 working hours/)
})

t.test('public holidays of Flanders, moving every year (date-holidays), and the tenant own dates', async (t) => {
  // 2026: Easter Monday 6 April, Ascension 14 May, Whit Monday 25 May
  t.same(at('2026-04-06 10:00'), { open: false, reason: 'holiday:Easter Monday', opensAt: bxl('2026-04-07 08:30') })
  t.same(at('2026-05-14 10:00'), { open: false, reason: 'holiday:Ascension Day', opensAt: bxl('2026-05-15 08:30') })
  t.same(at('2026-05-25 10:00'), { open: false, reason: 'holiday:Whit Monday', opensAt: bxl('2026-05-26 08:30') })
  t.same(at('2026-05-26 10:00'), { open: true, closesAt: bxl('2026-05-26 12:30') })
  // 2027: Easter Monday 29 March, Ascension 6 May (a Thursday)
  t.same(at('2027-03-29 09:00'), { open: false, reason: 'holiday:Easter Monday', opensAt: bxl('2027-03-30 08:30') })
  t.same(at('2027-05-06 09:00'), { open: false, reason: 'holiday:Ascension Day', opensAt: bxl('2027-05-07 08:30') })
  t.same(at('2026-04-06 07:00'), { open: false, reason: 'holiday:Easter Monday', opensAt: bxl('2026-04-07 08:30') }, 'the whole day is the holiday')
  // the day before a holiday: closes as usual, opens after it
  t.same(at('2026-05-13 18:00'), { open: false, reason: 'after-hours', opensAt: bxl('2026-05-15 08:30') })
  // the tenant's own date, then Christmas (Friday), then the Saturday hours
  t.same(at('2026-12-24 10:00'), { open: false, reason: 'holiday:christmas-eve', opensAt: bxl('2026-12-26 09:00') })
  t.same(at('2026-12-25 10:00'), { open: false, reason: 'holiday:Christmas Day', opensAt: bxl('2026-12-26 09:00') })
  // 21 July is Belgium's national day: a holiday in 2026 (a Tuesday)
  t.same(at('2026-07-21 10:00'), { open: false, reason: 'holiday:National Holiday', opensAt: bxl('2026-07-22 08:30') })
})

t.test('exceptional closures (whole days, some hours) and openings', async (t) => {
  t.same(at('2027-03-01 10:00'), { open: false, reason: 'closure:inventory', opensAt: bxl('2027-03-03 08:30') })
  t.same(at('2027-03-02 17:00'), { open: false, reason: 'closure:inventory', opensAt: bxl('2027-03-03 08:30') })
  t.same(at('2027-02-26 17:00'), { open: true, closesAt: bxl('2027-02-26 18:00') }, 'the Friday before is a usual day')
  // training: Wednesday 10 March 2027, 14:00-18:00
  t.same(at('2027-03-10 11:00'), { open: true, closesAt: bxl('2027-03-10 12:30') })
  t.same(at('2027-03-10 12:30'), { open: false, reason: 'after-hours', opensAt: bxl('2027-03-11 08:30') }, 'lunch break, and the afternoon is closed')
  t.same(at('2027-03-10 15:00'), { open: false, reason: 'closure:training', opensAt: bxl('2027-03-11 08:30') })
  t.same(at('2027-03-10 18:30'), { open: false, reason: 'after-hours', opensAt: bxl('2027-03-11 08:30') }, 'outside the usual hours it is after hours')
  // sale Saturday 9 January 2027: 09:00-17:00 instead of 09:00-12:00
  t.same(at('2027-01-09 08:00'), { open: false, reason: 'after-hours', opensAt: bxl('2027-01-09 09:00') })
  t.same(at('2027-01-09 13:00'), { open: true, closesAt: bxl('2027-01-09 17:00') })
  t.same(at('2027-01-16 13:00'), { open: false, reason: 'after-hours', opensAt: bxl('2027-01-18 08:30') }, 'the next Saturday is usual')
  // an opening on a holiday (Whit Monday 2027) overrides it
  t.same(at('2027-05-17 09:00'), { open: false, reason: 'after-hours', opensAt: bxl('2027-05-17 10:00') })
  t.same(at('2027-05-17 11:00'), { open: true, closesAt: bxl('2027-05-17 16:00') })
})

t.test('extra hour sets: extended hours fill the gaps and widen the day', async (t) => {
  const ext = ['extended']
  t.same(at('2026-12-01 07:30'), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 08:30') })
  t.same(at('2026-12-01 07:30', ext), { open: true, closesAt: bxl('2026-12-01 19:00') }, '07:00-19:00 in one piece')
  t.same(at('2026-12-01 13:00', ext), { open: true, closesAt: bxl('2026-12-01 19:00') })
  t.same(at('2026-12-01 19:00', ext), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-02 07:00') })
  t.same(at('2026-12-01 06:59', ext), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 07:00') })
  t.same(at('2026-12-05 12:30', ext), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-07 07:00') }, 'no extended hours on Saturday')
  t.same(at('2026-05-25 07:30', ext), { open: false, reason: 'holiday:Whit Monday', opensAt: bxl('2026-05-26 07:00') }, 'a holiday closes the extra hours too')
  t.same(at('2027-03-10 15:00', ext), { open: false, reason: 'closure:training', opensAt: bxl('2027-03-10 18:00') }, 'a closure takes its hours only')
  t.same(at('2026-12-01 07:30', ['unknown-set']), { open: false, reason: 'after-hours', opensAt: bxl('2026-12-01 08:30') }, 'a set the calendar lacks adds nothing')
})

t.test('daylight saving: both transitions of Europe/Brussels', async (t) => {
  // Spring: Sunday 28 March 2027, 02:00 CET -> 03:00 CEST. Saturday noon -> Monday 29 (Easter Monday) -> Tuesday 08:30 CEST
  t.equal(iso(at('2027-03-27 12:00').open ? undefined : (at('2027-03-27 12:00') as { opensAt: Date }).opensAt), '2027-03-30T06:30:00.000Z')
  // Autumn: Sunday 25 October 2026, 03:00 CEST -> 02:00 CET. Saturday noon (CEST) -> Monday 08:30 CET
  const autumn = at('2026-10-24 12:00')
  t.same(autumn, { open: false, reason: 'after-hours', opensAt: new Date('2026-10-26T07:30:00Z') })
  // night calendar, Sunday 01:00-05:00 local: 3 real hours in spring, 5 in autumn
  const night = brux.calendars.night!
  t.same(calendarStatus(night, Z, new Date('2027-03-28T00:30:00Z')), { open: true, closesAt: new Date('2027-03-28T03:00:00Z') })
  t.same(calendarStatus(night, Z, new Date('2027-03-28T01:30:00Z')), { open: true, closesAt: new Date('2027-03-28T03:00:00Z') }, '03:30 CEST, just after the gap')
  t.same(calendarStatus(night, Z, new Date('2027-10-30T22:30:00Z')), { open: false, reason: 'after-hours', opensAt: new Date('2027-10-30T23:00:00Z') }, '01:00 CEST before the repeat')
  t.same(calendarStatus(night, Z, new Date('2027-10-31T01:30:00Z')), { open: true, closesAt: new Date('2027-10-31T04:00:00Z') }, 'inside the repeated hour')
  t.equal(iso(addWorkingHours(night, Z, new Date('2027-03-27T12:00:00Z'), 4)), '2027-04-04T00:00:00.000Z', '3 h on 28 March, the 4th from 01:00 CEST on 4 April')
  t.equal(iso(addWorkingHours(night, Z, new Date('2027-10-30T12:00:00Z'), 4)), '2027-10-31T03:00:00.000Z', '4 of the 5 h of 31 October: 04:00 CET')
})

t.test('working hours after an instant: the contract example and friends', async (t) => {
  const weekdays = brux.calendars.weekdays!
  const add = (from: string, h: number, extra?: string[]) => iso(addWorkingHours(weekdays, Z, bxl(from), h, extra))
  // 4 working hours after Friday 17:00 (hours 08:30-12:30, 14:00-18:00 Mon-Fri): 1 h on Friday, 3 h on Monday from 08:30 -> 11:30
  t.equal(add('2026-12-04 17:00', 4), iso(bxl('2026-12-07 11:30')))
  t.equal(add('2026-12-04 17:30', 1), iso(bxl('2026-12-07 09:00')), 'critical: 30 min Friday, 30 min Monday')
  t.equal(add('2026-12-04 17:00', 1), iso(bxl('2026-12-04 18:00')), 'due exactly at closing time')
  t.equal(add('2026-12-01 10:00', 2.5), iso(bxl('2026-12-01 12:30')), 'due exactly at the lunch break')
  t.equal(add('2026-12-01 10:00', 3), iso(bxl('2026-12-01 14:30')), 'the lunch break does not count')
  t.equal(add('2026-12-05 13:00', 1), iso(bxl('2026-12-07 09:30')), 'from a closed instant, counting starts at the next opening')
  t.equal(add('2026-12-01 10:00', 0), iso(bxl('2026-12-01 10:00')))
  t.equal(add('2026-12-01 08:30', 8), iso(bxl('2026-12-01 18:00')), 'minor: one working day')
  t.equal(add('2026-12-01 08:30', 16), iso(bxl('2026-12-02 18:00')), 'non-blocking: two working days')
  // 16 h from Wednesday 23 December 2026 10:00: Wed 2.5 + 4 = 6.5; Thu 24 own date, Fri 25 Christmas,
  // weekend; Mon 28 8 h = 14.5; Tue 29 08:30 + 1.5 h -> 10:00
  t.equal(add('2026-12-23 10:00', 16), iso(bxl('2026-12-29 10:00')))
  // with extended hours: Friday 17:00-19:00 (2 h), Monday 07:00 + 2 h
  t.equal(add('2026-12-04 17:00', 4, ['extended']), iso(bxl('2026-12-07 09:00')))
  // across the spring change and Easter Monday 2027: Fri 26 March 17:00 CET, 1 h; Tue 30 March 08:30 CEST + 3 h
  t.equal(add('2027-03-26 17:00', 4), '2027-03-30T09:30:00.000Z')
  // across the autumn change: Fri 23 October 2026 17:00 CEST (15:00Z) -> Mon 26 11:30 CET
  t.equal(add('2026-10-23 17:00', 4), '2026-10-26T10:30:00.000Z')
  // the office calendar also opens on Saturday mornings: Friday 1 h, Saturday 09:00 + 3 h -> 12:00
  t.equal(iso(addWorkingHours(office, Z, bxl('2026-12-04 17:00'), 4)), iso(bxl('2026-12-05 12:00')))
  // its closures count too: from Friday 26 February 2027 17:00, 1 h; Sat 27 3 h; 1-2 March inventory; Wed 3 08:30 + 1 h
  t.equal(iso(addWorkingHours(office, Z, bxl('2027-02-26 17:00'), 5)), iso(bxl('2027-03-03 09:30')))
  t.throws(() => addWorkingHours(weekdays, Z, bxl('2026-12-01 10:00'), -1), /must be a number >= 0/)
})

t.test('a tenant in New York: its own zone, its own daylight-saving dates, US holidays', async (t) => {
  const nyc = config.tenants.get('nyc')!.calendars.office!
  const NY = 'America/New_York'
  // Sunday 14 March 2027: 02:00 EST -> 03:00 EDT. Friday 12 March 16:00 EST (21:00Z) + 2 h: 1 h Friday, Monday 09:00 EDT + 1 h
  t.equal(iso(addWorkingHours(nyc, NY, local(NY, '2027-03-12 16:00'), 2)), '2027-03-15T14:00:00.000Z')
  // Sunday 7 November 2027: 02:00 EDT -> 01:00 EST
  t.same(calendarStatus(nyc, NY, local(NY, '2027-11-05 17:00')), { open: false, reason: 'after-hours', opensAt: new Date('2027-11-08T14:00:00Z') })
  // 4 July 2027 is a Sunday: observed on Monday 5 July by date-holidays' US public list
  const july5 = calendarStatus(nyc, NY, local(NY, '2027-07-05 10:00'))
  t.match(july5, { open: false, reason: /^holiday:/, opensAt: new Date('2027-07-06T13:00:00Z') })
  // same instant, a different answer in Brussels: 15:00 Z is 16:00 in Brussels, 10:00 in New York
  t.same(calendarStatus(nyc, NY, new Date('2026-12-01T15:00:00Z')), { open: true, closesAt: new Date('2026-12-01T22:00:00Z') })
  t.same(calendarStatus(office, Z, new Date('2026-12-01T17:30:00Z')), { open: false, reason: 'after-hours', opensAt: new Date('2026-12-02T07:30:00Z') })
})
