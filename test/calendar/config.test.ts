import t from 'tap'
import { ConfigError } from '../../src/config/errors'
import { loadConfigFile, parseConfig } from '../../src/config/load'
import { CALENDAR_YAML, calendarConfig } from '../helpers/calendar-fixture'

t.test('calendars load into the model: weekly ranges per day, defaults resolved', async (t) => {
  const c = calendarConfig()
  const brux = c.tenants.get('brux')!
  t.equal(brux.calendar, 'office')
  const office = brux.calendars.office!
  t.same(office.hours[0], [{ start: 510, end: 750 }, { start: 840, end: 1080 }], 'Monday: 08:30-12:30, 14:00-18:00')
  t.same(office.hours[5], [{ start: 540, end: 720 }], 'Saturday')
  t.same(office.hours[6], [], 'Sunday closed')
  t.same(office.holidays, { country: 'BE', region: 'VLG' })
  t.same(office.dates, { '2026-12-24': 'christmas-eve' })
  t.same(office.closures, [
    { id: 'inventory', from: '2027-03-01', to: '2027-03-02', hours: undefined },
    { id: 'training', from: '2027-03-10', to: '2027-03-10', hours: [{ start: 840, end: 1080 }] },
  ])
  t.same(office.openings[0], { id: 'sale-saturday', from: '2027-01-09', to: '2027-01-09', hours: [{ start: 540, end: 1020 }] })
  t.same(office.extra.extended![4], [{ start: 420, end: 510 }, { start: 750, end: 840 }, { start: 1080, end: 1140 }])
  t.same(brux.calendars.always!.hours[6], [{ start: 0, end: 1440 }], '24:00 ends the day')
  t.same(brux.contracts, { premium: ['extended'] })
  t.same(brux.contractNumbers, { '+32470000001': 'premium' })
  t.same(brux.responseTimes, { critical: 1, blocking: 4, minor: 8, 'non-blocking': 16 })
  t.equal(brux.defaultUrgency, 'minor')
  t.match(c.ddis.get('+3225551231'), { calendar: 'office', extraHours: [] }, "a DDI takes the tenant's calendar")
  t.match(c.ddis.get('+3225551232'), { calendar: 'office', extraHours: ['extended'] })
  t.match(brux.queues.find((q) => q.id === 'desk'), { calendar: 'office', atClosing: 'keep' })
  t.match(brux.queues.find((q) => q.id === 'helpdesk'), { calendar: 'support', atClosing: 'overflow' })
  const tokyo = c.tenants.get('tokyo')!
  t.equal(tokyo.calendar, undefined, 'no calendar: always open')
  t.equal(tokyo.queues[0]!.calendar, undefined)
  t.same(tokyo.calendars, {})
})

t.test('the shipped example: calendars of the example tenants', async (t) => {
  const c = loadConfigFile('config/platform.yaml')
  t.equal(c.tenants.get('gridco')!.calendar, undefined, 'gridco is open round the clock')
  t.match(c.tenants.get('voltsupply')!, { calendar: 'office', calendars: { office: { holidays: { country: 'FR' } } } })
  const home = c.tenants.get('homeserve')!
  t.match(home, { calendar: 'office', calendars: { office: { holidays: { country: 'GB' } } } })
  t.ok(home.ddis.some((d) => d.extraHours?.includes('extended')), 'one homeserve DDI opens the extended hours')
})

const bad = (replace: [string, string][]) => {
  let text = CALENDAR_YAML
  for (const [a, b] of replace) {
    if (!text.includes(a)) throw new Error(`fixture lacks ${a}`)
    text = text.replace(a, b)
  }
  return text
}

t.test('every calendar problem is reported at once, with file, path and reason', async (t) => {
  const text = bad([
    ['mon-fri: ["08:30-12:30", "14:00-18:00"]\n          sat', 'mon-fri: ["08:30-12:30", "12:00-18:00"]\n          fri: ["17:00-25:00"]\n          sat'],
    ['sat: ["09:00-12:00"]', 'sat: ["12:00-09:00"]\n          fri-mon: ["10:00-11:00"]'],
    ['holidays: { country: BE, region: VLG }', 'holidays: { country: BE, region: XYZ }'],
    ['holidays: { country: US }', 'holidays: { country: QQ }'],
    ['{ date: "2026-12-24", name: christmas-eve }\n        closures', '{ date: "2026-02-30", name: nope }\n          - { date: "2026-12-24", name: christmas-eve }\n          - { date: "2026-12-24", name: again }\n        closures'],
    ['{ id: inventory, from: "2027-03-01", to: "2027-03-02" }', '{ id: inventory, date: "2027-03-05", from: "2027-03-01", to: "2027-03-02" }\n          - { id: backwards, from: "2027-03-05", to: "2027-03-01" }\n          - { id: half, from: "2027-03-05" }\n          - { id: training, date: "2027-04-01" }'],
    ['calendar: office\n    calendars', 'calendar: offices\n    calendars'],
    ['contracts:\n      premium: [extended]', 'contracts:\n      premium: [extended, late]'],
    ['"+32470000001": premium', '"+32470000001": gold\n      "12": premium'],
    ['default_urgency: minor', 'default_urgency: trivial\n    callback_hours: nowhere'],
    ['queue: desk, extra_hours: [extended]', 'queue: desk, extra_hours: [extended, weekend], calendar: nowhere'],
    ['calendar: support, at_closing: overflow', 'calendar: supprt, at_closing: overflow'],
    ['3210 1234", queue: help }\n    queues:\n      - { id: help, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle }', '3210 1234", queue: help }\n    queues:\n      - { id: help, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle, at_closing: overflow }'],
  ])
  const err = t.throws(() => parseConfig(text, 'cal.yaml')) as unknown as ConfigError
  t.ok(err instanceof ConfigError)
  t.ok(err.problems.every((p) => p.file === 'cal.yaml'))
  const lines = err.problems.map((p) => `${p.path}: ${p.reason}`).join('\n')
  const C = '/tenants/0/calendars/office'
  const expect: [string, RegExp][] = [
    [`${C}/hours/mon-fri/1`, /"12:00-18:00" overlaps 08:30-12:30/],
    [`${C}/hours/fri/0`, /not a time of day \(00:00\.\.24:00\): "25:00"/],
    [`${C}/hours/sat/0`, /ends before it starts: "12:00-09:00"/],
    [`${C}/hours/fri-mon`, /runs forward from mon to sun/],
    [`${C}/holidays/region`, /unknown region "XYZ" of BE \(known: .*VLG/],
    ['/tenants/1/calendars/office/holidays/country', /unknown holiday country "QQ"/],
    [`${C}/dates/0/date`, /not a date of the calendar \(YYYY-MM-DD\): "2026-02-30"/],
    [`${C}/dates/2/date`, /2026-12-24 is already given \(as "christmas-eve"\)/],
    [`${C}/closures/0`, /either date, or from and to, not both/],
    [`${C}/closures/1/to`, /ends \(2027-03-01\) before it starts \(2027-03-05\)/],
    [`${C}/closures/2`, /needs both from and to/],
    [`${C}/closures/4/id`, /duplicate closure id "training"/],
    ['/tenants/0/calendar', /calendar "offices" is not a calendar of tenant "brux"/],
    ['/tenants/0/contracts/premium/1', /extra hour set "late" is not in any calendar/],
    ['/tenants/0/contract_numbers/+32470000001', /contract "gold" is not a contract of tenant "brux"/],
    ['/tenants/0/contract_numbers/12', /not a valid phone number/],
    ['/tenants/0/default_urgency', /urgency "trivial" has no response time/],
    ['/tenants/0/callback_hours', /calendar "nowhere" is not a calendar of tenant "brux"/],
    ['/tenants/0/ddis/1/calendar', /calendar "nowhere" is not a calendar of tenant "brux"/],
    ['/tenants/0/queues/1/calendar', /calendar "supprt" is not a calendar/],
    ['/tenants/2/queues/0/at_closing', /no calendar \(nor has its tenant\): it never closes/],
  ]
  for (const [path, reason] of expect) t.match(lines, new RegExp(`${path.replace(/[+]/g, '\\+')}: .*${reason.source}`), path)
  t.ok(err.problems.length >= expect.length, `${err.problems.length} problems together`)
})

t.test('schema problems: unknown keys, bad day names, bad shapes', async (t) => {
  const text = bad([
    ['sat: ["09:00-12:00"]', 'saturday: ["09:00-12:00"]'],
    ['{ id: sale-saturday, date: "2027-01-09", hours: ["09:00-17:00"] }', '{ id: sale-saturday, date: "2027-01-09" }'],
    ['at_closing: overflow', 'at_closing: drop'],
    ['response_times: { critical: 1,', 'response_times: { critical: 0,'],
  ])
  const err = t.throws(() => parseConfig(text, 'cal.yaml')) as unknown as ConfigError
  const lines = err.problems.map((p) => `${p.path}: ${p.reason}`).join('\n')
  t.match(lines, /\/tenants\/0\/calendars\/office\/hours: must match pattern/)
  t.match(lines, /\/tenants\/0\/calendars\/office\/openings\/0: must have required property 'hours'/)
  t.match(lines, /\/tenants\/0\/queues\/1\/at_closing: must be equal to one of the allowed values: keep, overflow/)
  t.match(lines, /\/tenants\/0\/response_times\/critical: must be > 0/)
})

t.test('an extra hour set a DDI names must be in its calendar; a DDI without a calendar has none', async (t) => {
  const text = bad([
    ['queue: desk, extra_hours: [extended]', 'queue: desk, extra_hours: [extended, weekend]'],
    ['{ number: "+1 212 555 0100", queue: help }', '{ number: "+1 212 555 0100", queue: help, calendar: office, extra_hours: [extended] }'],
    ['{ number: "+81 3 3210 1234", queue: help }', '{ number: "+81 3 3210 1234", queue: help, extra_hours: [extended] }'],
  ])
  const err = t.throws(() => parseConfig(text, 'cal.yaml')) as unknown as ConfigError
  const lines = err.problems.map((p) => `${p.path}: ${p.reason}`).join('\n')
  t.match(lines, /\/tenants\/0\/ddis\/1\/extra_hours\/1: extra hour set "weekend" is not in calendar "office"/)
  t.match(lines, /\/tenants\/1\/ddis\/0\/extra_hours\/0: extra hour set "extended" is not in calendar "office"/)
  t.match(lines, /\/tenants\/2\/ddis\/0\/extra_hours\/0: the DDI has no calendar/)
  t.equal(err.problems.length, 3)
})

t.test('a reload with a bad calendar is refused as a whole: the running calendars stay', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { ConfigStore } = await import('../../src/config/store')
  const file = join(mkdtempSync(join(tmpdir(), 'cal-')), 'platform.yaml')
  writeFileSync(file, CALENDAR_YAML)
  const store = new ConfigStore(file)
  // a good change (Saturday hours) and a bad one (an unknown extra set on a DDI) in one file
  writeFileSync(file, bad([['sat: ["09:00-12:00"]', 'sat: ["10:00-12:00"]'], ['queue: desk, extra_hours: [extended]', 'queue: desk, extra_hours: [late]']]))
  const r = store.reload()
  t.equal(r.ok, false)
  if (!r.ok) t.match(r.error.problems, [{ file, path: '/tenants/0/ddis/1/extra_hours/0', reason: /extra hour set "late"/ }])
  t.same(store.current.tenants.get('brux')!.calendars.office!.hours[5], [{ start: 540, end: 720 }], 'Saturday still opens at 09:00')
  t.same(store.current.ddis.get('+3225551232')!.extraHours, ['extended'])
})
