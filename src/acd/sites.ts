import type { RedisLike } from '../redis/connect'
import type { Logger } from '../telemetry/logger'
import { silentLogger } from '../telemetry/logger'
import { parseSiteRecord, sitePlans, type SitePlan, type SiteRecord } from '../routing/sites'
import type { AcdEngine } from './engine'
import { keys, poolPrefix } from './keys'
import { acdScripts, type ScriptCaller } from './scripts'
import { AcdError, type Notice } from './types'

export type SiteMode = 'down' | 'up' | 'drain' | 'drained' | 'auto'

/** What a switch did in one pool. */
export interface SwitchResult {
  pool: string
  state: string
  changed: boolean
  moved: number
  withdrawn: number
  /** drained: calls still waiting in the site's queues, or ringing or talking to its agents */
  busy: number
}

/**
 * Sites over Redis: their states (the `sites` hash of each pool), switched by site_switch.lua one
 * pool at a time (each pool's calls and agents switch with the state it holds), and the drain
 * requests of instances.
 */
export class SiteControl {
  private readonly script: ScriptCaller

  constructor(
    private readonly redis: RedisLike,
    private readonly engine: AcdEngine,
    private readonly log: Logger = silentLogger,
  ) {
    this.script = acdScripts(redis).site_switch
  }

  /** The states of the sites in every pool (an unlisted site is up). */
  async read(): Promise<Map<string, Map<string, SiteRecord>>> {
    const out = new Map<string, Map<string, SiteRecord>>()
    for (const pool of this.engine.pools()) {
      const h = await this.redis.hgetall(keys.sites(pool))
      const states = new Map<string, SiteRecord>()
      for (const site of this.engine.platform.sites.keys()) states.set(site, parseSiteRecord(h[site]))
      out.set(pool, states)
    }
    return out
  }

  /** Reads the states into the engine's view (what routing and qualifications see). */
  async refresh(): Promise<Map<string, Map<string, SiteRecord>>> {
    const states = await this.read()
    for (const [pool, s] of states) this.engine.sites.set(pool, s)
    return states
  }

  /**
   * Switches `site` in every pool: down, up, drain, drained (when the drain is over) or auto
   * (down when the site's instances or agents were not seen for `auto`'s times). Agents of a site
   * back up take their queues again.
   */
  async switch(site: string, mode: SiteMode, reason: string, auto?: { noInstanceMs: number; noAgentMs: number }): Promise<SwitchResult[]> {
    if (!this.engine.platform.sites.has(site)) throw new AcdError('NO_SUCH_SITE', `unknown site "${site}" (the sites are: ${[...this.engine.platform.sites.keys()].join(', ') || 'none'})`)
    if (!/^[a-z0-9_-]{1,40}$/.test(reason)) throw new AcdError('BAD_REASON', `invalid reason ${JSON.stringify(reason)}`)
    const out: SwitchResult[] = []
    for (const plan of sitePlans(this.engine.platform, site)) out.push(await this.switchPool(plan, site, mode, reason, auto))
    await this.refresh()
    if (out.some((r) => r.state === 'up' && r.changed) || mode === 'up') await this.engine.requalifyLoggedIn()
    for (const r of out) {
      if (r.changed || r.moved || r.withdrawn) this.log.info({ site, mode, reason, ...r }, `site ${site} ${r.state}`)
    }
    return out
  }

  /** One pool's switch, from its plan (site_switch.lua). */
  async switchPool(plan: SitePlan, site: string, mode: SiteMode, reason: string, auto?: { noInstanceMs: number; noAgentMs: number }): Promise<SwitchResult> {
    const moves =
      mode === 'drained'
        ? plan.queues.map(([t, q]) => [t, q, q])
        : plan.queues.filter(([, q, copy]) => copy !== q).map(([t, q, copy]) => (mode === 'up' ? [t, copy, q] : [t, q, copy]))
    const args = [site, mode, reason, plan.agents.length, ...plan.agents, moves.length, ...moves.flat(), plan.tenants.length, ...plan.tenants]
    if (mode === 'auto') args.push(auto?.noInstanceMs ?? 0, auto?.noAgentMs ?? 0)
    const raw = await this.script(poolPrefix(plan.pool), this.engine.instanceId, this.engine.clock.now(), ...args)
    const reply = JSON.parse(raw) as { state: string; changed: boolean; moved: number; withdrawn: number; busy: number; notices: Notice[] | Record<string, never> }
    for (const n of Array.isArray(reply.notices) ? reply.notices : []) {
      if (n.type === 'offer' && !Array.isArray(n.agents)) n.agents = []
      this.engine.emit('notice', n)
    }
    return { pool: plan.pool, state: reply.state, changed: reply.changed, moved: reply.moved, withdrawn: reply.withdrawn, busy: reply.busy }
  }

  /**
   * Marks what this instance sees for the automatic checks: its own site has a live instance, and
   * the sites with a logged-in agent have one.
   */
  async markSeen(ownSite: string | undefined): Promise<void> {
    const config = this.engine.platform
    const now = String(this.engine.clock.now())
    for (const pool of this.engine.pools()) {
      const fields: string[] = []
      if (ownSite) fields.push(`${ownSite}|inst`, now)
      const staffed = new Set<string>()
      for (const agentId of await this.redis.smembers(keys.agents(pool))) {
        const site = config.agents.get(agentId)?.site
        if (site) staffed.add(site)
      }
      for (const site of staffed) fields.push(`${site}|agent`, now)
      if (fields.length) await this.redis.hset(keys.sites(pool), ...fields)
    }
  }

  /** Asks instance `id` to drain (no new calls; it does not stop), or to take calls again. */
  async askDrain(instance: string, drain: boolean): Promise<void> {
    for (const pool of this.engine.pools()) {
      if (drain) await this.redis.hset(keys.drains(pool), instance, String(this.engine.clock.now()))
      else await this.redis.hdel(keys.drains(pool), instance)
    }
  }

  async drainAsked(instance: string): Promise<boolean> {
    for (const pool of this.engine.pools()) if (await this.redis.hexists(keys.drains(pool), instance)) return true
    return false
  }
}
