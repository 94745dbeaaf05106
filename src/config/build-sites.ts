// Sites: the meaning checks of `sites`, the `site` of agents, DDIs and queues, and the backup copies
// of the queues whose DDIs name a backup site. A queue is at the site of the DDIs that reach it
// (directly, through the IVR's choices and sub-menus, through queue overflows), or at the site it
// names; at its backup site the same queue exists as a copy, `<queue>@<backup site>` (an id no
// tenant queue can have: `@` is not allowed there), with the same definition, served by the agents
// of the backup site.
import type { ConfigProblem } from './errors'
import type { Agent, Ddi, OverflowTarget, PlatformConfig, Queue, Site, Tenant } from './model'
import { toE164 } from './phone'
import { qualify } from '../acd/qualify'

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = any

/** The id of the copy of `queue` at `site`. */
export const backupCopyId = (queue: string, site: string): string => `${queue}@${site}`

/** Queues a DDI's entry reaches: its queue or menu (choices, sub-menus, default), and overflow targets. */
export function queuesReached(tenant: Tenant, ddi: Ddi): string[] {
  const out = new Set<string>()
  const menus = new Set<string>()
  const addQueue = (id: string | undefined): void => {
    const q = tenant.queues.find((x) => x.id === id)
    if (!q || out.has(q.id)) return
    out.add(q.id)
    if (q.overflow.kind === 'queue') addQueue(q.overflow.queue)
    for (const r of q.overflowRules ?? []) if (r.to.kind === 'queue') addQueue(r.to.queue)
  }
  const visit = (id: string): void => {
    const m = tenant.ivrs.find((x) => x.id === id)
    if (!m || menus.has(id)) return
    menus.add(id)
    for (const c of [...Object.values(m.choices), m.fallback]) {
      if (c.queue) addQueue(c.queue)
      if (c.menu) visit(c.menu)
    }
  }
  if (ddi.entry.kind === 'queue') addQueue(ddi.entry.queue)
  else visit(ddi.entry.ivr)
  return [...out]
}

/**
 * Reads `sites`, sets the site of agents, DDIs and queues, and adds the backup copies of the
 * queues to their tenants; problems are pushed to `problems`.
 */
export function buildSites(raw: Raw, file: string, config: Omit<PlatformConfig, 'sites'>, problems: ConfigProblem[]): Map<string, Site> {
  const fail = (path: string, reason: string) => problems.push({ file, path, reason })
  const sites = new Map<string, Site>()
  ;(raw.sites ?? []).forEach((s: Raw, i: number) => {
    if (sites.has(s.id)) fail(`/sites/${i}/id`, `duplicate site id "${s.id}"`)
    const a = s.auto_down
    sites.set(s.id, {
      id: s.id,
      name: s.name ?? s.id,
      autoDown: a ? { noInstanceSeconds: a.no_instance_seconds, noAgentSeconds: a.no_agent_seconds } : undefined,
    })
  })
  const known = (site: string | undefined, path: string): boolean => {
    if (site === undefined) return false
    if (sites.has(site)) return true
    fail(path, `unknown site "${site}"${sites.size ? ` (the sites are: ${[...sites.keys()].join(', ')})` : ': no site is declared under sites'}`)
    return false
  }
  ;(raw.agents ?? []).forEach((a: Raw, i: number) => {
    const agent: Agent | undefined = config.agents.get(a.id)
    if (known(a.site, `/agents/${i}/site`) && agent) agent.site = a.site
  })
  raw.tenants.forEach((t: Raw, ti: number) => {
    const tenant = config.tenants.get(t.id)
    if (!tenant) return
    // where each queue is, and who put it there
    const placed = new Map<string, { site: string; backup?: string; by: string }>()
    ;(t.queues ?? []).forEach((q: Raw, qi: number) => {
      if (known(q.site, `/tenants/${ti}/queues/${qi}/site`)) placed.set(q.id, { site: q.site, by: `its own site (/tenants/${ti}/queues/${qi}/site)` })
    })
    ;(t.ddis ?? []).forEach((d: Raw, di: number) => {
      const path = `/tenants/${ti}/ddis/${di}`
      const number = toE164(d.number, config.settings.defaultRegion)
      const ddi = number ? config.ddis.get(number) : undefined
      const site = known(d.site, `${path}/site`) ? (d.site as string) : undefined
      let backup = known(d.backup_site, `${path}/backup_site`) ? (d.backup_site as string) : undefined
      if (d.backup_site !== undefined && d.site === undefined) fail(`${path}/backup_site`, 'a backup site needs the site of the primary entry (site:)')
      if (backup !== undefined && backup === site) {
        fail(`${path}/backup_site`, `the backup site is the DDI's own site "${site}"`)
        backup = undefined
      }
      if (!ddi || ddi.tenant !== tenant.id || site === undefined) return
      ddi.site = site
      ddi.backupSite = backup
      for (const qid of queuesReached(tenant, ddi)) {
        const was = placed.get(qid)
        if (!was) {
          placed.set(qid, { site, backup, by: `DDI ${ddi.number} (${path})` })
          continue
        }
        if (was.site !== site) fail(`${path}/site`, `queue "${qid}" it leads to is at site "${was.site}" by ${was.by}: a queue is at one site`)
        else if (backup !== undefined && was.backup !== undefined && was.backup !== backup)
          fail(`${path}/backup_site`, `queue "${qid}" it leads to already has backup site "${was.backup}" by ${was.by}: a queue has one backup site`)
        else if (was.backup === undefined && backup !== undefined) placed.set(qid, { ...was, backup, by: `DDI ${ddi.number} (${path})` })
      }
    })
    const copies: Queue[] = []
    for (const q of tenant.queues) {
      const p = placed.get(q.id)
      if (!p) continue
      q.site = p.site
      if (p.backup === undefined) continue
      q.backup = backupCopyId(q.id, p.backup)
      copies.push({ ...q, id: q.backup, site: p.backup, primary: q.id, backup: undefined })
    }
    const atBackup = (t: OverflowTarget): OverflowTarget => {
      if (t.kind !== 'queue') return t
      return { kind: 'queue', queue: tenant.queues.find((x) => x.id === t.queue)?.backup ?? t.queue }
    }
    for (const c of copies) {
      // a copy overflows to the copies of its queue's targets (the same queues, at the backup site)
      c.overflow = atBackup(c.overflow)
      // (a rule to the backup site does not apply to the copy: it is there already)
      c.overflowRules = c.overflowRules.filter((r) => r.to.kind !== 'backup-site').map((r) => ({ ...r, to: atBackup(r.to) }))
      tenant.queues.push(c)
    }
  })
  // a backup copy nobody at its site can take would keep the moved callers waiting for ever
  const withSites = { ...config, sites }
  for (const tenant of config.tenants.values()) {
    for (const copy of tenant.queues.filter((q) => q.primary !== undefined)) {
      const qid = `${tenant.id}/${copy.id}`
      const served = [...config.agents.values()].some((a) => a.site === copy.site && qualify(withSites, a, [tenant.id]).some((x) => x.qid === qid))
      if (!served)
        fail(
          `/tenants/${[...config.tenants.keys()].indexOf(tenant.id)}/queues/${tenant.queues.findIndex((q) => q.id === copy.primary)}`,
          `no agent of backup site "${copy.site}" can take queue "${copy.primary}" (skills ${copy.skills.map((s) => `${s.skill}>=${s.minLevel}`).join(', ') || 'none'}): its callers would wait there for ever when site "${tenant.queues.find((q) => q.id === copy.primary)?.site}" is down`,
        )
    }
  }
  return sites
}
