// The meaning checks of overflow rules, out-of-hours handling and on-call rotas: every target
// stays inside its tenant, outside numbers obey the tenant's outbound policy, and no chain of
// overflows between queues can loop.
import { DateTime } from 'luxon'
import type { ConfigProblem } from './errors'
import type { ClosedHandling, OnCallRota, OverflowCondition, OverflowRule, OverflowTarget, PlatformSettings, Queue, Tenant } from './model'
import { tenantMayCall } from '../routing/number-policy'

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = any
type Fail = (path: string, reason: string) => void

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']

function condition(w: Raw): OverflowCondition {
  if (w.waited_seconds !== undefined) return { kind: 'waited', seconds: w.waited_seconds }
  if (w.waiting_at_least !== undefined) return { kind: 'waiting', atLeast: w.waiting_at_least }
  if (w.no_agents !== undefined) return { kind: 'no-agents' }
  if (w.estimated_wait_seconds !== undefined) return { kind: 'estimated-wait', seconds: w.estimated_wait_seconds }
  return { kind: 'closed' }
}

function target(to: Raw): OverflowTarget {
  if (to.queue !== undefined) return { kind: 'queue', queue: to.queue }
  if (to.number !== undefined) return { kind: 'number', number: to.number }
  if (to.backup_site !== undefined) return { kind: 'backup-site' }
  return { kind: to.action }
}

/** A queue's overflow rules as written (targets checked later, once every queue is known). */
export function overflowRules(raw: Raw[] | undefined): OverflowRule[] {
  return (raw ?? []).map((r) => ({ when: condition(r.when), to: target(r.to) }))
}

/** An outside number the tenant may call, normalised; a problem otherwise. */
function outsideNumber(settings: PlatformSettings, tenant: Tenant, raw: string, path: string, fail: Fail): string {
  const d = tenantMayCall(tenant, settings, raw)
  if (!d.ok) fail(path, d.reason)
  return d.ok ? d.number : raw
}

/**
 * Checks the overflow targets of the tenant's queues (normalising outside numbers), and refuses
 * any chain of queue overflows that comes back to a queue it left.
 */
export function checkOverflow(settings: PlatformSettings, tenant: Tenant, at: string, fail: Fail): void {
  tenant.queues.forEach((q, qi) => {
    q.overflowRules.forEach((r, ri) => {
      const path = `${at}/queues/${qi}/overflow_rules/${ri}`
      const to = r.to
      if (to.kind === 'queue') {
        if (to.queue === q.id) fail(`${path}/to/queue`, 'a queue cannot overflow to itself')
        else if (!tenant.queues.some((o) => o.id === to.queue)) fail(`${path}/to/queue`, `overflow queue "${to.queue}" is not a queue of tenant "${tenant.id}"`)
      }
      if (to.kind === 'number') to.number = outsideNumber(settings, tenant, to.number, `${path}/to/number`, fail)
      if (to.kind === 'callback' && !q.callback) fail(`${path}/to/action`, `queue "${q.id}" has no callback offer to make`)
      if (to.kind === 'callback' && r.when.kind !== 'waited' && r.when.kind !== 'estimated-wait')
        fail(`${path}/to/action`, 'the callback offer is made to a caller who waits: use it with waited_seconds or estimated_wait_seconds')
      if (r.when.kind === 'waited' && r.when.seconds >= q.maxWaitSeconds)
        fail(`${path}/when/waited_seconds`, `${r.when.seconds} s is not below the queue's max_wait_seconds (${q.maxWaitSeconds} s): the rule could never apply`)
    })
  })
  const loop = overflowLoop(tenant.queues)
  if (loop) fail(`${at}/queues`, `overflows between queues could loop: ${loop.join(' → ')}`)
}

/** The queue ids of a cycle in the graph of queue-to-queue overflows, if there is one. */
export function overflowLoop(queues: Queue[]): string[] | undefined {
  const next = new Map<string, string[]>()
  for (const q of queues) {
    const targets = [q.overflow, ...q.overflowRules.map((r) => r.to)].flatMap((t) => (t.kind === 'queue' && t.queue !== q.id ? [t.queue] : []))
    next.set(q.id, [...new Set(targets)])
  }
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id]
    state.set(id, 'open')
    path.push(id)
    for (const n of next.get(id) ?? []) {
      const found = visit(n)
      if (found) return found
    }
    path.pop()
    state.set(id, 'done')
    return undefined
  }
  for (const q of queues) {
    const found = visit(q.id)
    if (found) return found
  }
  return undefined
}

/** A DDI's (or the tenant's default) out-of-hours handling. */
export function closedHandling(raw: Raw | undefined, fallback: ClosedHandling): ClosedHandling {
  if (!raw) return fallback
  if (raw.forward !== undefined) return { kind: 'forward', number: raw.forward }
  if (raw.on_call !== undefined) return { kind: 'on-call', rota: raw.on_call }
  return { kind: raw.action }
}

export function checkClosedHandling(settings: PlatformSettings, tenant: Tenant, h: ClosedHandling, path: string, fail: Fail): void {
  if (h.kind === 'forward') h.number = outsideNumber(settings, tenant, h.number, `${path}/forward`, fail)
  if (h.kind === 'on-call' && !tenant.onCall.has(h.rota)) fail(`${path}/on_call`, `"${h.rota}" is not an on-call rota of tenant "${tenant.id}"`)
}

function isoDay(s: string, path: string, fail: Fail): string {
  if (!DateTime.fromISO(s, { zone: 'UTC' }).isValid) fail(path, `not a date: "${s}"`)
  return s
}

/** A tenant's on-call rotas, with their technicians' numbers checked against the outbound policy. */
export function onCallRotas(settings: PlatformSettings, tenant: Tenant, raw: Raw | undefined, at: string, fail: Fail): Map<string, OnCallRota> {
  const rotas = new Map<string, OnCallRota>()
  for (const [id, r] of Object.entries<Raw>(raw ?? {})) {
    const path = `${at}/on_call/${id}`
    const [h, m] = String(r.handover.time).split(':').map(Number)
    const ids = new Set<string>()
    const technicians = (r.technicians as Raw[]).map((t, i) => {
      if (ids.has(t.id)) fail(`${path}/technicians/${i}/id`, `duplicate technician "${t.id}"`)
      ids.add(t.id)
      return { id: t.id, name: t.name ?? t.id, number: outsideNumber(settings, tenant, t.number, `${path}/technicians/${i}/number`, fail) }
    })
    const swaps = ((r.swaps ?? []) as Raw[]).map((s, i) => {
      if (!ids.has(s.technician)) fail(`${path}/swaps/${i}/technician`, `"${s.technician}" is not a technician of rota "${id}"`)
      const from = isoDay(s.date, `${path}/swaps/${i}/date`, fail)
      const to = s.to === undefined ? from : isoDay(s.to, `${path}/swaps/${i}/to`, fail)
      if (to < from) fail(`${path}/swaps/${i}/to`, `the swap ends (${to}) before it starts (${from})`)
      return { from, to, technician: s.technician }
    })
    rotas.set(id, {
      id,
      handover: { weekday: WEEKDAYS.indexOf(r.handover.day) + 1, minutes: h! * 60 + m! },
      starts: isoDay(r.starts, `${path}/starts`, fail),
      ringSeconds: r.ring_seconds ?? 20,
      technicians,
      swaps,
      fallback: r.fallback ?? 'voicemail',
    })
  }
  return rotas
}

/** A rule sending calls to the backup site needs a queue that has a copy there (a DDI with a backup_site reaches it). */
export function checkBackupTargets(tenants: Map<string, Tenant>, file: string, problems: ConfigProblem[]): void {
  ;[...tenants.values()].forEach((tenant, ti) => {
    tenant.queues.forEach((q, qi) => {
      if (q.primary !== undefined) return
      q.overflowRules.forEach((r, ri) => {
        if (r.to.kind === 'backup-site' && q.backup === undefined)
          problems.push({ file, path: `/tenants/${ti}/queues/${qi}/overflow_rules/${ri}/to/backup_site`, reason: `queue "${q.id}" has no backup site: no DDI with a backup_site leads to it` })
      })
    })
  })
}
