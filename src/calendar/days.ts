import { DateTime } from 'luxon'
import type { Calendar, HourRange } from '../config/model-calendar'
import { publicHolidays } from './holidays'
import { subtract, union, within } from './ranges'

/** One local day of a calendar: its open hours, and why a minute outside them is closed. */
export interface DayPlan {
  /** Local midnight of the day, in the calendar's zone. */
  day: DateTime
  open: HourRange[]
  /** 'after-hours', `holiday:<name>` or `closure:<id>` for a minute of the day that is not open. */
  reasonAt(minute: number): string
}

const inSpan = (iso: string, s: { from: string; to: string }) => s.from <= iso && iso <= s.to

/** The holiday of a local date: the tenant's own dates first, then the public holidays of its country. */
export function holidayOn(cal: Calendar, iso: string): string | undefined {
  const own = cal.dates[iso]
  if (own !== undefined) return own
  if (!cal.holidays) return undefined
  return publicHolidays(cal.holidays.country, cal.holidays.region, Number(iso.slice(0, 4))).get(iso)
}

/**
 * The plan of the local day starting at `day` (local midnight). An exceptional opening replaces the
 * weekly hours and the holiday of its days; a holiday closes the day (extra hours too); the extra
 * sets add their hours on other days; closures then take away the whole day or their hours.
 */
export function dayPlan(cal: Calendar, day: DateTime, extraSets: readonly string[] = []): DayPlan {
  const iso = day.toISODate()!
  const weekday = day.weekday - 1
  const opening = cal.openings.find((o) => inSpan(iso, o))
  const holiday = opening ? undefined : holidayOn(cal, iso)
  const base = opening ? opening.hours : holiday !== undefined ? [] : (cal.hours[weekday] ?? [])
  const extra = holiday !== undefined ? [] : extraSets.map((s) => cal.extra[s]?.[weekday] ?? [])
  const planned = union(base, ...extra)
  const closures = cal.closures.filter((c) => inSpan(iso, c))
  const whole = closures.find((c) => !c.hours)
  const open = whole ? [] : subtract(planned, closures.flatMap((c) => c.hours ?? []))
  return {
    day,
    open,
    reasonAt(minute) {
      if (whole) return `closure:${whole.id}`
      if (within(planned, minute)) {
        const c = closures.find((x) => x.hours && within(x.hours, minute))
        if (c) return `closure:${c.id}`
      }
      return holiday !== undefined ? `holiday:${holiday}` : 'after-hours'
    },
  }
}

/** The instant of a minute of a local day (a time in a daylight-saving gap moves forward, as luxon does). */
export function instantOf(day: DateTime, minute: number): number {
  if (minute >= 1440) return day.plus({ days: 1 }).startOf('day').toMillis()
  return day.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 }).toMillis()
}

export interface OpenInterval {
  start: number
  end: number
  /** The interval runs on to the end of the days looked at: its real end is unknown. */
  unbounded: boolean
}

/**
 * The calendar's open intervals as instants (ms), from the local day of `from` onward for `days`
 * days, those touching across midnight joined into one.
 */
export function* openIntervals(cal: Calendar, zone: string, from: number, days: number, extraSets: readonly string[] = []): Generator<OpenInterval> {
  const first = DateTime.fromMillis(from, { zone }).startOf('day')
  let pending: { start: number; end: number } | undefined
  let day = first
  for (let i = 0; i < days; i++, day = day.plus({ days: 1 }).startOf('day')) {
    for (const r of dayPlan(cal, day, extraSets).open) {
      const start = instantOf(day, r.start)
      const end = instantOf(day, r.end)
      if (end <= start) continue
      if (pending && start <= pending.end) pending.end = Math.max(pending.end, end)
      else {
        if (pending) yield { ...pending, unbounded: false }
        pending = { start, end }
      }
    }
  }
  if (pending) yield { ...pending, unbounded: pending.end >= day.toMillis() }
}
