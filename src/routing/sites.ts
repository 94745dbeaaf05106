// Sites in routing: where a queue is, its copy at the backup site, and where a new call goes while
// its site is down or drained. Plain functions of the configuration and of the sites' states
// (SiteView, kept up to date from Redis by the service's site watch).
import { queueOf, type PlatformConfig } from '../config/model'

export type SiteState = 'up' | 'down' | 'draining' | 'drained'
export const SITE_STATES: readonly SiteState[] = ['up', 'down', 'draining', 'drained']

export interface SiteRecord {
  state: SiteState
  /** when it switched (ms, platform clock) */
  since: number
  reason: string
}

/** `state|since|reason` as the site hash holds it (keys.sites); an unknown text reads as up. */
export function parseSiteRecord(text: string | null | undefined): SiteRecord {
  const [state, since, ...reason] = (text ?? '').split('|')
  if (!SITE_STATES.includes(state as SiteState)) return { state: 'up', since: 0, reason: '' }
  return { state: state as SiteState, since: Number(since) || 0, reason: reason.join('|') }
}

/** The id of the copy of the tenant's queue at its backup site, undefined when it has none. */
export function backupQueue(config: PlatformConfig, tenant: string, queue: string): string | undefined {
  return queueOf(config, tenant, queue)?.backup
}

/** The site of a queue (of its copy: the backup site), undefined for a queue at no site. */
export function siteOf(config: PlatformConfig, tenant: string, queue: string): string | undefined {
  return queueOf(config, tenant, queue)?.site
}

/** The tenant's own queue a queue id stands for: `billing@mechelen-backup` is `billing`. */
export function tenantQueue(queue: string): { queue: string; site?: string } {
  const at = queue.indexOf('@')
  return at < 0 ? { queue } : { queue: queue.slice(0, at), site: queue.slice(at + 1) }
}

/** The states of the sites, per pool (each pool holds its own copy, switched with its calls). */
export class SiteView {
  private states = new Map<string, Map<string, SiteRecord>>()

  set(pool: string, states: Map<string, SiteRecord>): void {
    this.states.set(pool, states)
  }

  stateOf(pool: string, site: string): SiteRecord {
    return this.states.get(pool)?.get(site) ?? { state: 'up', since: 0, reason: '' }
  }

  /** Sites not up in any pool. */
  notUp(): Map<string, SiteRecord> {
    const out = new Map<string, SiteRecord>()
    for (const pool of this.states.values()) for (const [site, r] of pool) if (r.state !== 'up' && !out.has(site)) out.set(site, r)
    return out
  }
}

export interface SiteDecision {
  /** the queue the call goes to */
  queue: string
  /** set when it is the backup copy: the site that is not up, and its state */
  rerouted?: { from: string; site: string; state: Exclude<SiteState, 'up'> }
}

/**
 * Where a new call for `queue` goes: the queue itself while its site is up (or it is at no site),
 * else its copy at the backup site when that one is up; a call whose backup site is not up either
 * stays in its queue (it waits for the first site to come back).
 */
export function routeForSites(config: PlatformConfig, view: SiteView, tenant: string, queue: string): SiteDecision {
  const q = queueOf(config, tenant, queue)
  const pool = config.tenants.get(tenant)?.pool
  if (!q || !q.site || !q.backup || !pool) return { queue }
  const here = view.stateOf(pool, q.site)
  if (here.state === 'up') return { queue }
  const copy = queueOf(config, tenant, q.backup)
  if (!copy?.site || view.stateOf(pool, copy.site).state !== 'up') return { queue }
  return { queue: copy.id, rerouted: { from: queue, site: q.site, state: here.state } }
}

/** What a switch of `site` touches in each pool: its agents, its queues and their copies, the tenants told. */
export interface SitePlan {
  pool: string
  agents: string[]
  /** the site's queues with their backup copies: [tenant, queue, copy] */
  queues: Array<[string, string, string]>
  tenants: string[]
}

export function sitePlans(config: PlatformConfig, site: string): SitePlan[] {
  const plans = new Map<string, SitePlan>()
  const plan = (pool: string): SitePlan => {
    let p = plans.get(pool)
    if (!p) plans.set(pool, (p = { pool, agents: [], queues: [], tenants: [] }))
    return p
  }
  for (const tenant of config.tenants.values()) {
    const mine = tenant.queues.filter((q) => q.site === site)
    const backups = tenant.queues.filter((q) => q.primary !== undefined && q.site !== site && queueOf(config, tenant.id, q.primary)?.site === site)
    const staffed = [...config.agents.values()].some((a) => a.site === site && a.tenants.includes(tenant.id))
    if (mine.length === 0 && backups.length === 0 && !staffed) continue
    const p = plan(tenant.pool)
    p.tenants.push(tenant.id)
    for (const q of mine) if (q.primary === undefined) p.queues.push([tenant.id, q.id, q.backup ?? q.id])
  }
  for (const agent of config.agents.values()) {
    if (agent.site !== site) continue
    const pool = config.tenants.get(agent.tenants[0]!)?.pool
    if (pool) plan(pool).agents.push(agent.id)
  }
  return [...plans.values()]
}
