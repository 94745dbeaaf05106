import type { AcdEngine } from '../acd/engine'
import { SiteControl } from '../acd/sites'
import { SITE_STATES, type SiteRecord } from '../routing/sites'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'

/** How often the sites' states are read (and the automatic checks run). */
export const SITE_POLL_MS = 1000

export interface InstanceDrain {
  /** Redis asks this instance to drain (true) or to take calls again (false). */
  drainAsked(asked: boolean): void
}

/**
 * Every instance reads the sites' states about every second into the engine's view (routing of
 * new calls, agents' queues), and keeps them true: a site down is swept again (calls that reached
 * its queues since move to the backup, agents that logged in there leave their queues), a site
 * draining is checked for its end (then `drained`, said once in the log), a site with `auto_down`
 * is declared down when its instances or agents are not seen for too long. It also marks what it
 * sees (its own site is alive, sites with logged-in agents), and follows the drain asked of it.
 */
export class SiteWatch {
  readonly control: SiteControl
  private last = new Map<string, string>()
  private running = false

  constructor(
    private readonly engine: AcdEngine,
    private readonly ownSite: string | undefined,
    private readonly instance: InstanceDrain,
    private readonly log: Logger,
    private readonly metrics?: Pick<Metrics, 'siteState'>,
  ) {
    this.control = new SiteControl(engine.redis, engine, log)
  }

  async poll(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      const sites = this.engine.platform.sites
      this.instance.drainAsked(await this.control.drainAsked(this.engine.instanceId))
      if (sites.size === 0) return
      await this.control.markSeen(this.ownSite && sites.has(this.ownSite) ? this.ownSite : undefined)
      const states = await this.control.refresh()
      for (const site of sites.values()) {
        const record = firstNotUp(states, site.id)
        const was = this.last.get(site.id)
        this.last.set(site.id, record.state)
        for (const state of SITE_STATES) this.metrics?.siteState.set({ site: site.id, state }, state === record.state ? 1 : 0)
        if (was !== undefined && was !== record.state) this.log.info({ site: site.id, from: was, to: record.state, reason: record.reason }, `site ${site.id} is ${record.state}`)
        if (record.state === 'down') await this.control.switch(site.id, 'down', record.reason || 'manual')
        else if (record.state === 'draining') {
          const done = await this.control.switch(site.id, 'drained', record.reason || 'manual')
          if (done.some((r) => r.changed)) this.log.info({ site: site.id }, `site ${site.id} drained: no call left at the site`)
        } else if (record.state === 'up') {
          if (was === 'down') await this.engine.requalifyLoggedIn()
          const auto = site.autoDown
          if (auto) await this.control.switch(site.id, 'auto', 'auto', { noInstanceMs: (auto.noInstanceSeconds ?? 0) * 1000, noAgentMs: (auto.noAgentSeconds ?? 0) * 1000 })
        }
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'site check failed')
    } finally {
      this.running = false
    }
  }
}

/** A site's state across pools: the first pool where it is not up (a switch runs pool by pool). */
function firstNotUp(states: Map<string, Map<string, SiteRecord>>, site: string): SiteRecord {
  let up: SiteRecord = { state: 'up', since: 0, reason: '' }
  for (const pool of states.values()) {
    const r = pool.get(site)
    if (!r) continue
    if (r.state !== 'up') return r
    up = r
  }
  return up
}
