import { calendarStatus, type OpeningStatus } from '../calendar'
import type { Queue, Tenant } from '../config/model'
import { tenantDueTime } from './opening'

/** The calendar a queue's callbacks are attempted in: the tenant's `callback_hours`, else the queue's. */
export function callingHoursCalendar(tenant: Tenant, queue: Queue): string | undefined {
  return tenant.callbackHours ?? queue.calendar
}

/** Whether a callback of `queue` may be attempted at `at` (no calendar: always). */
export function callingHoursStatus(tenant: Tenant, queue: Queue, at: Date): OpeningStatus {
  const name = callingHoursCalendar(tenant, queue)
  const cal = name !== undefined ? tenant.calendars[name] : undefined
  return cal ? calendarStatus(cal, tenant.timezone, at) : { open: true }
}

export interface CallbackPlan {
  /** The due time from the call's urgency (or the tenant's default) in working hours of the queue's calendar. */
  due?: { urgency: string; hours: number; due: Date }
  /** The closed windows of the calling hours until the callback expires (see closedWindows). */
  closed: [number, number][]
}

/** What a callback requested at `at` for a call with `attributes`, expiring at `expires`, is given: its due time and calling hours. */
export function callbackPlan(tenant: Tenant, queue: Queue, attributes: Record<string, string>, at: Date, expires: Date): CallbackPlan {
  const due = tenantDueTime(tenant, attributes['urgency'], at, queue.calendar)
  return { ...(due ? { due } : {}), closed: closedWindows(tenant, queue, at, expires) }
}

/** The windows as the engine stores them: "from:until,from:until". */
export function formatWindows(windows: [number, number][]): string {
  return windows.map(([a, b]) => `${a}:${b}`).join(',')
}

/** At most this many closed windows are handed to the engine with a callback. */
const MAX_WINDOWS = 64
/** Nor further ahead than this. */
const MAX_AHEAD_MS = 31 * 86_400_000

/**
 * The closed windows of a queue's calling hours from `from` to `until` ([from, to) in ms; the
 * first starts at `from` when they are closed then), for the engine to hold a callback out of
 * the queue while they last. None without a calendar.
 */
export function closedWindows(tenant: Tenant, queue: Queue, from: Date, until: Date): [number, number][] {
  const name = callingHoursCalendar(tenant, queue)
  const cal = name !== undefined ? tenant.calendars[name] : undefined
  if (!cal) return []
  const end = Math.min(until.getTime(), from.getTime() + MAX_AHEAD_MS)
  const out: [number, number][] = []
  let t = from.getTime()
  while (t < end && out.length < MAX_WINDOWS) {
    const s = calendarStatus(cal, tenant.timezone, new Date(t))
    if (s.open) {
      if (!s.closesAt) break
      t = s.closesAt.getTime()
      continue
    }
    // not opening again within a year: closed past the callback's expiry (it expires first)
    const opens = s.opensAt?.getTime() ?? Math.max(until.getTime(), t) + 86_400_000
    out.push([t, opens])
    t = opens
  }
  return out
}
