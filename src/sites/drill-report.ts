// The report of a failover drill, computed from the tenants' histories (src/events readHistory)
// between the site's down and its up. Each figure is defined in README ("Failover drills").
import type { PlatformConfig } from '../config/model'
import { readHistory, type HistoryEvent } from '../events/history'
import type { RedisLike } from '../redis/connect'
import { sitePlans, tenantQueue } from '../routing/sites'

export interface TenantDrillFigures {
  tenant: string
  /** new calls routed to the backup site while the site was down */
  rerouted: number
  /** waiting calls moved to the backup copies by the switch down (and the sweeps after it) */
  moved: number
  /** calls waiting at the backup moved back to the site when it came up */
  movedBack: number
  /** calls answered by an agent at the backup copies between down and up */
  answeredOnBackup: number
  /** from the down to the first call answered on the backup (ms); null when none was */
  timeToRerouteMs: number | null
  /** calls of the drill's queues that the platform lost: ended failed or instance-lost, or refused as the queue was full */
  lost: number
  /** calls of the drill's queues still not ended when the report was made */
  stillUp: number
  /** the calls concerned: those of the site's queues or their copies between down and the end */
  calls: number
}

export interface DrillReport {
  site: string
  downAt: number
  upAt: number
  endAt: number
  tenants: TenantDrillFigures[]
  lost: number
}

const LOST = new Set(['failed', 'instance-lost'])

/** The figures of a drill of `site`, from `downAt` (the switch down) to `upAt`, reading up to `endAt`. */
export async function drillReport(
  redis: RedisLike,
  config: PlatformConfig,
  site: string,
  window: { downAt: number; upAt: number; endAt: number; fromStreamMs?: number },
): Promise<DrillReport> {
  const tenants: TenantDrillFigures[] = []
  for (const plan of sitePlans(config, site)) {
    for (const tenantId of plan.tenants) {
      const tenant = config.tenants.get(tenantId)!
      // the site's queues and their copies at the backup sites
      const queues = new Set<string>()
      for (const q of tenant.queues) {
        if (q.site === site && q.primary === undefined) {
          queues.add(q.id)
          if (q.backup) queues.add(q.backup)
        }
      }
      const copies = new Set([...queues].filter((q) => tenantQueue(q).site !== undefined))
      const history = await readHistory(redis, tenant.pool, tenantId, window.fromStreamMs !== undefined ? { start: window.fromStreamMs } : {})
      const inDrill = (e: HistoryEvent, to = window.upAt) => e.ts >= window.downAt && e.ts <= to
      const f: TenantDrillFigures = { tenant: tenantId, rerouted: 0, moved: 0, movedBack: 0, answeredOnBackup: 0, timeToRerouteMs: null, lost: 0, stillUp: 0, calls: 0 }
      const concerned = new Set<string>()
      const ended = new Map<string, string>()
      for (const e of history) {
        if (e.ts < window.downAt || e.ts > window.endAt) continue
        if (e.type === 'site_rerouted' && e.site === site && inDrill(e)) f.rerouted++
        if (e.type === 'site_moved' && e.site === site) {
          if (e.state === 'down' && inDrill(e)) f.moved++
          if (e.state === 'up' && e.ts >= window.upAt) f.movedBack++
        }
        if (e.type === 'connected' && copies.has(e.queue) && inDrill(e)) {
          f.answeredOnBackup++
          if (f.timeToRerouteMs === null) f.timeToRerouteMs = e.ts - window.downAt
        }
        if ('call' in e && 'queue' in e && e.queue !== undefined && (queues.has(e.queue) || (e.type === 'site_rerouted' && e.site === site))) concerned.add(e.call)
        if (e.type === 'rejected' && queues.has(e.queue) && inDrill(e, window.endAt)) ended.set(e.call, 'rejected')
        if (e.type === 'call_ended') ended.set(e.call, e.outcome)
      }
      for (const call of concerned) {
        const outcome = ended.get(call)
        if (outcome === undefined) f.stillUp++
        else if (LOST.has(outcome) || outcome === 'rejected') f.lost++
      }
      f.calls = concerned.size
      tenants.push(f)
    }
  }
  return { site, downAt: window.downAt, upAt: window.upAt, endAt: window.endAt, tenants, lost: tenants.reduce((n, t) => n + t.lost, 0) }
}

export function drillText(r: DrillReport): string {
  const lines = [
    `failover drill of site ${r.site}: down ${new Date(r.downAt).toISOString()}, up ${new Date(r.upAt).toISOString()} (${Math.round((r.upAt - r.downAt) / 1000)} s), read to ${new Date(r.endAt).toISOString()}`,
    'tenant | calls | rerouted | moved | moved back | answered on backup | time to reroute | lost | still up',
  ]
  for (const t of r.tenants) {
    const ttr = t.timeToRerouteMs === null ? '-' : `${(t.timeToRerouteMs / 1000).toFixed(1)} s`
    lines.push(`${t.tenant} | ${t.calls} | ${t.rerouted} | ${t.moved} | ${t.movedBack} | ${t.answeredOnBackup} | ${ttr} | ${t.lost} | ${t.stillUp}`)
  }
  lines.push(r.lost === 0 ? 'calls lost: 0' : `calls lost: ${r.lost} (the drill fails)`)
  return `${lines.join('\n')}\n`
}
