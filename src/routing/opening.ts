import { addWorkingHours, calendarStatus, type OpeningStatus } from '../calendar'
import type { PlatformConfig, Queue, Tenant } from '../config/model'
import { toE164 } from '../config/phone'

export type { OpeningStatus }

export type QueueStatus = { open: true } | { open: false; action: Queue['whenClosed']; reason: string; opensAt?: Date }

const alwaysOpen = (): OpeningStatus => ({ open: true })

/**
 * Whether a queue takes calls at `at`, and what a caller gets when it does not: closed by its
 * configuration (`closed: true`, reason `closed`), else by its calendar (when the tenant is given).
 */
export function queueStatus(queue: Queue, at: Date = new Date(), tenant?: Tenant): QueueStatus {
  const s = tenant ? tenantEntryStatus(tenant, { queue: queue.id }, at) : queue.closed ? { open: false as const, reason: 'closed' } : alwaysOpen()
  return s.open ? { open: true } : { open: false, action: queue.whenClosed, reason: s.reason, ...(s.opensAt ? { opensAt: s.opensAt } : {}) }
}

export interface Entry {
  ddi?: string
  queue?: string
  attributes?: Record<string, string>
  caller?: string
}

/** The extra hour sets a call opens: its DDI's, and those its contract grants (attribute `contract`, else its number's). */
export function extraSetsFor(tenant: Tenant, e: Entry, defaultRegion?: string): string[] {
  const ddi = e.ddi ? tenant.ddis.find((d) => d.number === e.ddi) : undefined
  const caller = e.caller && (tenant.contractNumbers[e.caller] ? e.caller : toE164(e.caller, defaultRegion ?? 'FR'))
  const contract = e.attributes?.contract ?? (caller ? tenant.contractNumbers[caller] : undefined)
  return [...new Set([...(ddi?.extraHours ?? []), ...((contract && tenant.contracts[contract]) || [])])]
}

function status(tenant: Tenant, calendar: string | undefined, at: Date, sets: string[]): OpeningStatus {
  const cal = calendar !== undefined ? tenant.calendars[calendar] : undefined
  return cal ? calendarStatus(cal, tenant.timezone, at, sets) : alwaysOpen()
}

/**
 * Open or closed for a call of `tenant` reaching a DDI and/or a queue at `at`: both calendars
 * apply (closed if either is; the DDI's reason first), each widened by the DDI's extra hours and
 * the caller's contract. An unknown DDI or queue of the tenant (another tenant's included) is
 * closed with reason `unknown-ddi` / `unknown-queue`; a queue with `closed: true`, reason `closed`.
 */
export function tenantEntryStatus(tenant: Tenant, e: Entry, at: Date, defaultRegion?: string): OpeningStatus {
  const ddi = e.ddi !== undefined ? tenant.ddis.find((d) => d.number === e.ddi) : undefined
  if (e.ddi !== undefined && !ddi) return { open: false, reason: 'unknown-ddi' }
  const queue = e.queue !== undefined ? tenant.queues.find((q) => q.id === e.queue) : undefined
  if (e.queue !== undefined && !queue) return { open: false, reason: 'unknown-queue' }
  if (queue?.closed) return { open: false, reason: 'closed' }
  const sets = extraSetsFor(tenant, e, defaultRegion)
  const calendars = [...new Set([ddi?.calendar, queue?.calendar].filter((c): c is string => c !== undefined))]
  const [first, second] = calendars
  if (second === undefined) return status(tenant, first, at, sets)
  const a = status(tenant, first, at, sets)
  const b = status(tenant, second, at, sets)
  if (a.open && b.open) {
    const ends = [a.closesAt, b.closesAt].filter((d): d is Date => d !== undefined)
    return ends.length ? { open: true, closesAt: new Date(Math.min(...ends.map((d) => d.getTime()))) } : { open: true }
  }
  const reason = (!a.open ? a : (b as Extract<OpeningStatus, { open: false }>)).reason
  // The next instant both are open: the later of their next openings, until both agree.
  let t = at
  for (let i = 0; i < 64; i++) {
    const x = status(tenant, first, t, sets)
    const y = status(tenant, second, t, sets)
    if (x.open && y.open) return { open: false, reason, opensAt: t }
    const nx = x.open ? t : x.opensAt
    const ny = y.open ? t : y.opensAt
    if (!nx || !ny) break
    const later = new Date(Math.max(nx.getTime(), ny.getTime()))
    if (later.getTime() <= t.getTime()) break
    t = later
  }
  return { open: false, reason }
}

/** tenantEntryStatus for the platform: the tenant by id (unknown: closed, reason `unknown-tenant`), the DDI normalised to E.164. */
export function entryStatus(config: PlatformConfig, e: Entry & { tenant: string }, at: Date): OpeningStatus {
  const tenant = config.tenants.get(e.tenant)
  if (!tenant) return { open: false, reason: 'unknown-tenant' }
  const ddi = e.ddi !== undefined ? (toE164(e.ddi, config.settings.defaultRegion) ?? e.ddi) : undefined
  return tenantEntryStatus(tenant, { ...e, ddi }, at, config.settings.defaultRegion)
}

/**
 * The due time of a request (voicemail, callback) of `urgency` made at `at`: the tenant's response
 * time for that urgency (its `default_urgency` when the urgency is absent or has none), in working
 * hours of `calendar` (default: the tenant's; no calendar: hours of the clock). Undefined when
 * neither urgency has a response time.
 */
export function tenantDueTime(tenant: Tenant, urgency: string | undefined, at: Date, calendar?: string): { urgency: string; hours: number; due: Date } | undefined {
  const u = urgency !== undefined && tenant.responseTimes[urgency] !== undefined ? urgency : tenant.defaultUrgency
  const hours = u !== undefined ? tenant.responseTimes[u] : undefined
  if (u === undefined || hours === undefined) return undefined
  const cal = tenant.calendars[calendar ?? tenant.calendar ?? '']
  const due = cal ? addWorkingHours(cal, tenant.timezone, at, hours) : new Date(at.getTime() + Math.round(hours * 3_600_000))
  return { urgency: u, hours, due }
}

export function dueTime(config: PlatformConfig, tenant: string, urgency: string | undefined, at: Date, calendar?: string): { urgency: string; hours: number; due: Date } | undefined {
  const t = config.tenants.get(tenant)
  return t ? tenantDueTime(t, urgency, at, calendar) : undefined
}
