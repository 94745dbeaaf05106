// The meaning checks of calendars, contracts and response times (hooked into build.ts): times of
// day, overlapping ranges, dates, holiday countries and regions, names of calendars and hour sets.
import { DateTime } from 'luxon'
import { holidayRegionProblem } from '../calendar/holidays'
import { formatRange, parseRange } from '../calendar/ranges'
import type { Calendar, Closure, HourRange, Opening, Tenant, WeeklyHours } from './model'
import { toE164 } from './phone'

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = any
type Fail = (path: string, reason: string) => void

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']

function validDate(text: string): boolean {
  return DateTime.fromFormat(text, 'yyyy-MM-dd', { zone: 'UTC' }).isValid
}

/** A list of "HH:MM-HH:MM" ranges, sorted, none overlapping another. */
function hourRanges(list: string[], path: string, fail: Fail): HourRange[] {
  const out: HourRange[] = []
  list.forEach((text, i) => {
    const r = parseRange(text)
    if (typeof r === 'string') return fail(`${path}/${i}`, r)
    const clash = out.find((o) => r.start < o.end && o.start < r.end)
    if (clash) return fail(`${path}/${i}`, `"${text}" overlaps ${formatRange(clash)}`)
    out.push(r)
  })
  return out.sort((a, b) => a.start - b.start)
}

function weeklyHours(raw: Raw, path: string, fail: Fail): WeeklyHours {
  const week: WeeklyHours = DAYS.map(() => [])
  for (const [key, list] of Object.entries<string[]>(raw ?? {})) {
    const parts = key.split('-')
    const from = DAYS.indexOf(parts[0]!)
    const to = DAYS.indexOf(parts[1] ?? parts[0]!)
    if (to < from) {
      fail(`${path}/${key}`, `a range of days runs forward from mon to sun: "${key}"`)
      continue
    }
    const ranges = hourRanges(list, `${path}/${key}`, fail)
    for (let d = from; d <= to; d++) {
      const clash = ranges.flatMap((r) => week[d]!.filter((o) => r.start < o.end && o.start < r.end).map((o) => [r, o] as const))[0]
      if (clash) {
        fail(`${path}/${key}`, `${formatRange(clash[0])} overlaps ${formatRange(clash[1])} on ${DAYS[d]} (given by another key)`)
        break
      }
      week[d] = [...week[d]!, ...ranges].sort((x, y) => x.start - y.start)
    }
  }
  return week
}

/** `date`, or `from`..`to`: exactly one of the two forms, real dates, from not after to. */
function span(raw: Raw, path: string, fail: Fail): { from: string; to: string } | undefined {
  const hasRange = raw.from !== undefined || raw.to !== undefined
  if (raw.date !== undefined && hasRange) return void fail(path, 'give either date, or from and to, not both')
  if (raw.date === undefined && !hasRange) return void fail(path, 'needs a date, or from and to')
  if (hasRange && (raw.from === undefined || raw.to === undefined)) return void fail(path, 'a range of dates needs both from and to')
  let ok = true
  for (const k of ['date', 'from', 'to'])
    if (raw[k] !== undefined && !validDate(raw[k])) {
      fail(`${path}/${k}`, `not a date of the calendar (YYYY-MM-DD): "${raw[k]}"`)
      ok = false
    }
  if (!ok) return undefined
  const from = raw.date ?? raw.from
  const to = raw.date ?? raw.to
  if (to < from) return void fail(`${path}/to`, `the range ends (${to}) before it starts (${from})`)
  return { from, to }
}

function calendarOf(name: string, c: Raw, path: string, fail: Fail): Calendar {
  let holidays: Calendar['holidays']
  if (c.holidays) {
    const problem = holidayRegionProblem(c.holidays.country, c.holidays.region)
    if (problem) fail(`${path}/holidays${c.holidays.region !== undefined && !problem.startsWith('unknown holiday country') ? '/region' : '/country'}`, problem)
    else holidays = { country: c.holidays.country, region: c.holidays.region }
  }
  const dates: Record<string, string> = {}
  ;(c.dates ?? []).forEach((d: Raw, i: number) => {
    if (!validDate(d.date)) return fail(`${path}/dates/${i}/date`, `not a date of the calendar (YYYY-MM-DD): "${d.date}"`)
    if (dates[d.date] !== undefined) return fail(`${path}/dates/${i}/date`, `${d.date} is already given (as "${dates[d.date]}")`)
    dates[d.date] = d.name
  })
  const exceptions = <T>(list: Raw[] | undefined, kind: 'closures' | 'openings', make: (e: Raw, s: { from: string; to: string }, p: string) => T): T[] => {
    const ids = new Set<string>()
    const out: T[] = []
    ;(list ?? []).forEach((e: Raw, i: number) => {
      const p = `${path}/${kind}/${i}`
      if (ids.has(e.id)) fail(`${p}/id`, `duplicate ${kind === 'closures' ? 'closure' : 'opening'} id "${e.id}" in calendar "${name}"`)
      ids.add(e.id)
      const s = span(e, p, fail)
      if (s) out.push(make(e, s, p))
    })
    return out
  }
  const closures = exceptions<Closure>(c.closures, 'closures', (e, s, p) => ({ id: e.id, ...s, hours: e.hours ? hourRanges(e.hours, `${p}/hours`, fail) : undefined }))
  const openings = exceptions<Opening>(c.openings, 'openings', (e, s, p) => ({ id: e.id, ...s, hours: hourRanges(e.hours, `${p}/hours`, fail) }))
  openings.forEach((o, i) => {
    const other = openings.slice(0, i).find((x) => x.from <= o.to && o.from <= x.to)
    if (other) fail(`${path}/openings/${i}`, `opening "${o.id}" overlaps the dates of opening "${other.id}"`)
    if (o.hours.length === 0) fail(`${path}/openings/${i}/hours`, 'an opening needs its hours')
  })
  const extra: Record<string, WeeklyHours> = {}
  for (const [set, week] of Object.entries<Raw>(c.extra ?? {})) extra[set] = weeklyHours(week, `${path}/extra/${set}`, fail)
  return { id: name, hours: weeklyHours(c.hours, `${path}/hours`, fail), holidays, dates, closures, openings, extra }
}

type TenantCalendars = Pick<Tenant, 'calendars' | 'calendar' | 'contracts' | 'contractNumbers' | 'responseTimes' | 'defaultUrgency' | 'callbackHours'>

/** The calendar fields of a tenant, `at` its path. */
export function tenantCalendars(t: Raw, at: string, defaultRegion: string, fail: Fail): TenantCalendars {
  const calendars: Record<string, Calendar> = {}
  for (const [name, c] of Object.entries<Raw>(t.calendars ?? {})) calendars[name] = calendarOf(name, c, `${at}/calendars/${name}`, fail)
  const known = (name: string | undefined, path: string) => {
    if (name !== undefined && !calendars[name]) fail(path, `calendar "${name}" is not a calendar of tenant "${t.id}"`)
  }
  known(t.calendar, `${at}/calendar`)
  known(t.callback_hours, `${at}/callback_hours`)
  const sets = new Set(Object.values(calendars).flatMap((c) => Object.keys(c.extra)))
  const contracts: Record<string, string[]> = t.contracts ?? {}
  for (const [contract, granted] of Object.entries(contracts))
    granted.forEach((s, i) => {
      if (!sets.has(s)) fail(`${at}/contracts/${contract}/${i}`, `extra hour set "${s}" is not in any calendar of tenant "${t.id}"`)
    })
  const contractNumbers: Record<string, string> = {}
  for (const [raw, contract] of Object.entries<string>(t.contract_numbers ?? {})) {
    const number = toE164(raw, defaultRegion)
    if (!number) fail(`${at}/contract_numbers/${raw}`, `not a valid phone number: "${raw}"`)
    else if (!contracts[contract]) fail(`${at}/contract_numbers/${raw}`, `contract "${contract}" is not a contract of tenant "${t.id}"`)
    else contractNumbers[number] = contract
  }
  const responseTimes: Record<string, number> = t.response_times ?? {}
  if (t.default_urgency !== undefined && responseTimes[t.default_urgency] === undefined)
    fail(`${at}/default_urgency`, `urgency "${t.default_urgency}" has no response time in response_times`)
  return { calendars, calendar: t.calendar, contracts, contractNumbers, responseTimes, defaultUrgency: t.default_urgency, callbackHours: t.callback_hours }
}

/** A queue's calendar (the tenant's by default) and what happens to its waiting calls at closing time. */
export function queueCalendar(q: Raw, tenant: TenantCalendars & { id: string }, path: string, fail: Fail): { calendar?: string; atClosing: 'keep' | 'overflow' } {
  const calendar: string | undefined = q.calendar ?? tenant.calendar
  if (q.calendar !== undefined && !tenant.calendars[q.calendar]) fail(`${path}/calendar`, `calendar "${q.calendar}" is not a calendar of tenant "${tenant.id}"`)
  if (q.at_closing === 'overflow' && calendar === undefined) fail(`${path}/at_closing`, 'the queue has no calendar (nor has its tenant): it never closes')
  return { calendar, atClosing: q.at_closing ?? 'keep' }
}

/** A DDI's calendar (the tenant's by default) and the extra hour sets of that calendar it opens. */
export function ddiCalendar(d: Raw, tenant: TenantCalendars & { id: string }, path: string, fail: Fail): { calendar?: string; extraHours: string[] } {
  const calendar: string | undefined = d.calendar ?? tenant.calendar
  if (d.calendar !== undefined && !tenant.calendars[d.calendar]) fail(`${path}/calendar`, `calendar "${d.calendar}" is not a calendar of tenant "${tenant.id}"`)
  const extraHours: string[] = d.extra_hours ?? []
  const cal = calendar !== undefined ? tenant.calendars[calendar] : undefined
  extraHours.forEach((s, i) => {
    if (calendar === undefined) fail(`${path}/extra_hours/${i}`, 'the DDI has no calendar (nor has its tenant) to take extra hours from')
    else if (cal && !cal.extra[s]) fail(`${path}/extra_hours/${i}`, `extra hour set "${s}" is not in calendar "${calendar}"`)
  })
  return { calendar, extraHours }
}
