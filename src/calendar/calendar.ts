/**
 * Opening status and working-time arithmetic over a tenant's calendar, in the tenant's IANA zone
 * (luxon; never the machine's zone). Pure: no Redis, no SIP; the instant is always given.
 */
import { DateTime } from 'luxon'
import type { Calendar } from '../config/model-calendar'
import { dayPlan, openIntervals } from './days'

export type OpeningStatus =
  | { open: true; closesAt?: Date }
  | { open: false; reason: string; opensAt?: Date }

/** How far ahead the next opening or closing is looked for. */
export const STATUS_HORIZON_DAYS = 367
/** How far ahead working hours are counted before giving up (a calendar with almost no hours). */
export const WORKING_HORIZON_DAYS = 5 * 366

/**
 * Open or closed at `at`, with the extra hour sets `extraSets` added. Open: when it next closes
 * (absent if not within the horizon); closed: why ('after-hours', `holiday:<name>`,
 * `closure:<id>`) and when it next opens (absent if not within the horizon).
 */
export function calendarStatus(cal: Calendar, zone: string, at: Date, extraSets: string[] = []): OpeningStatus {
  const t = at.getTime()
  for (const iv of openIntervals(cal, zone, t, STATUS_HORIZON_DAYS, extraSets)) {
    if (iv.end <= t) continue
    if (iv.start <= t) return iv.unbounded ? { open: true } : { open: true, closesAt: new Date(iv.end) }
    return { open: false, reason: closedReason(cal, zone, t, extraSets), opensAt: new Date(iv.start) }
  }
  return { open: false, reason: closedReason(cal, zone, t, extraSets) }
}

function closedReason(cal: Calendar, zone: string, t: number, extraSets: string[]): string {
  const local = DateTime.fromMillis(t, { zone })
  return dayPlan(cal, local.startOf('day'), extraSets).reasonAt(local.hour * 60 + local.minute)
}

/**
 * The instant `hours` working hours after `from`: only open time counts (split shifts, holidays,
 * closures, extra sets), in real elapsed time (a day-saving change inside the hours counts as it is).
 * From outside the hours, counting starts at the next opening. Throws when the calendar does not
 * hold that many hours within five years.
 */
export function addWorkingHours(cal: Calendar, zone: string, from: Date, hours: number, extraSets: string[] = []): Date {
  if (!(hours >= 0) || !Number.isFinite(hours)) throw new RangeError(`working hours must be a number >= 0, got ${hours}`)
  const t = from.getTime()
  let left = Math.round(hours * 3_600_000)
  if (left === 0) return new Date(t)
  for (const iv of openIntervals(cal, zone, t, WORKING_HORIZON_DAYS, extraSets)) {
    const start = Math.max(iv.start, t)
    if (start >= iv.end) continue
    if (left <= iv.end - start) return new Date(start + left)
    left -= iv.end - start
  }
  throw new RangeError(`calendar "${cal.id}" does not hold ${hours} working hours within ${WORKING_HORIZON_DAYS} days of ${from.toISOString()}`)
}
