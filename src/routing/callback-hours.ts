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
  /** Requested outside the calling hours: not attempted before their next opening. */
  notBefore?: Date
}

/** What a callback requested at `at` for a call with `attributes` is given: its due time, and when it may first be attempted. */
export function callbackPlan(tenant: Tenant, queue: Queue, attributes: Record<string, string>, at: Date): CallbackPlan {
  const plan: CallbackPlan = {}
  const due = tenantDueTime(tenant, attributes['urgency'], at, queue.calendar)
  if (due) plan.due = due
  const hours = callingHoursStatus(tenant, queue, at)
  if (!hours.open && hours.opensAt) plan.notBefore = hours.opensAt
  return plan
}
