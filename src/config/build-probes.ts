// The meaning checks of the probes (synthetic test calls): each probe's DDI, trunk and queue are its
// tenant's, its keys walk the DDI's IVR to that queue, and no trunk shares the probes' source.
import type { ConfigProblem } from './errors'
import type { IvrChoice, PlatformConfig, Tenant } from './model'
import { AddressSet, parseCidr } from './network'
import { toE164 } from './phone'
import { probeAgent, probeAgentId, type Probe } from './probes'

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = any

const DEFAULT_SOURCES = ['127.0.0.1/32']

/** Where `digits` lead from the DDI's entry point, or why they lead nowhere. */
function walk(tenant: Tenant, entry: Tenant['ddis'][number]['entry'], digits: string): { queue: string } | { problem: string } {
  if (entry.kind === 'queue') return digits === '' ? { queue: entry.queue } : { problem: `the DDI leads straight to queue "${entry.queue}": no keys are needed` }
  let menu = tenant.ivrs.find((m) => m.id === entry.ivr)!
  let rest = digits
  for (let steps = 0; steps < 40; steps++) {
    let choice: IvrChoice
    if (rest === '') choice = menu.fallback
    else {
      const key = rest[0]!
      rest = rest.slice(1)
      const c = menu.choices[key]
      if (!c) return { problem: `key "${key}" is not a choice of menu "${menu.id}" (choices: ${Object.keys(menu.choices).join(', ')})` }
      choice = c
    }
    if (choice.menu) {
      menu = tenant.ivrs.find((m) => m.id === choice.menu)!
      continue
    }
    if (!choice.queue) return { problem: `the keys end at menu "${menu.id}" in action "${choice.action ?? 'hangup'}", not a queue` }
    if (choice.collect) {
      const n = rest.replace(/#$/, '').length
      if (!/^[0-9]*#?$/.test(rest) || n < choice.collect.minDigits || n > choice.collect.maxDigits)
        return { problem: `queue "${choice.queue}" is reached after ${choice.collect.minDigits}..${choice.collect.maxDigits} digits of "${choice.collect.attribute}" (then #), the keys leave "${rest}"` }
    } else if (rest !== '') return { problem: `the keys reach queue "${choice.queue}" with "${rest}" left over` }
    return { queue: choice.queue }
  }
  return { problem: 'the keys go round the menus' }
}

/** Builds the probe plan into `config` (its probes, and their probe agents among the agents). */
export function buildProbes(raw: Raw, file: string, config: PlatformConfig, problems: ConfigProblem[]): void {
  const fail = (path: string, reason: string) => problems.push({ file, path, reason })
  const sources: string[] = raw.platform?.probe_sources ?? DEFAULT_SOURCES
  sources.forEach((c, i) => {
    if (!parseCidr(c)) fail(`/platform/probe_sources/${i}`, `not an IP address or CIDR range: "${c}"`)
  })
  const probes: Probe[] = []
  ;(raw.tenants ?? []).forEach((t: Raw, ti: number) => {
    const tenant = config.tenants.get(t.id)
    if (!tenant) return
    const ids = new Set<string>()
    ;(t.probes ?? []).forEach((p: Raw, i: number) => {
      const at = `/tenants/${ti}/probes/${i}`
      const problemsBefore = problems.length
      if (ids.has(p.id)) fail(`${at}/id`, `duplicate probe id "${p.id}" in tenant "${t.id}"`)
      ids.add(p.id)
      const number = toE164(p.ddi, config.settings.defaultRegion)
      const ddi = number ? config.ddis.get(number) : undefined
      if (!number) fail(`${at}/ddi`, `not a valid phone number: "${p.ddi}"`)
      else if (!ddi) fail(`${at}/ddi`, `${number} is not a DDI of this platform`)
      else if (ddi.tenant !== t.id) fail(`${at}/ddi`, `${number} is a DDI of tenant "${ddi.tenant}", not of "${t.id}"`)
      if (!tenant.queues.some((q) => q.id === p.queue)) fail(`${at}/queue`, `queue "${p.queue}" is not a queue of tenant "${t.id}"`)
      else if (ddi && ddi.tenant === t.id) {
        const w = walk(tenant, ddi.entry, p.digits ?? '')
        if ('problem' in w) fail(`${at}/digits`, w.problem)
        else if (w.queue !== p.queue) fail(`${at}/digits`, `the keys "${p.digits ?? ''}" lead to queue "${w.queue}", not "${p.queue}"`)
      }
      const trunk = p.trunk !== undefined ? tenant.trunks.find((tr) => tr.id === p.trunk) : tenant.trunks[0]
      if (!trunk) fail(`${at}/trunk`, p.trunk !== undefined ? `trunk "${p.trunk}" is not a trunk of tenant "${t.id}"` : `tenant "${t.id}" has no trunk to take the probe's calls on`)
      const every = p.every_seconds ?? 60
      const timeout = p.timeout_seconds ?? 20
      if (timeout >= every) fail(`${at}/timeout_seconds`, `the time-out (${timeout} s) must be shorter than the period (every_seconds: ${every})`)
      const agent = probeAgentId(t.id, p.id)
      if ([...config.agents.values()].some((a) => a.sipUsername === agent)) fail(`${at}/id`, `SIP username "${agent}" is the probe agent's: no agent may use it`)
      if (problems.length > problemsBefore) return
      probes.push({ id: p.id, tenant: t.id, ddi: number!, digits: p.digits ?? '', queue: p.queue, trunk: trunk!.id, everySeconds: every, timeoutSeconds: timeout, agent })
    })
  })
  // A trunk's source sharing the probes' would let that carrier's calls come from the probe source.
  const valid = sources.filter((c) => parseCidr(c))
  const probeSet = new AddressSet(valid)
  for (const tenant of config.tenants.values()) {
    for (const [i, trunk] of tenant.trunks.entries()) {
      for (const [j, c] of trunk.allowedSources.entries()) {
        const cidr = parseCidr(c)
        if (!cidr) continue
        const overlap = probeSet.has(cidr.address) || valid.some((s) => new AddressSet([c]).has(parseCidr(s)!.address))
        if (overlap && (probes.length > 0 || raw.platform?.probe_sources))
          fail(`/tenants/${[...config.tenants.keys()].indexOf(tenant.id)}/trunks/${i}/allowed_sources/${j}`, `"${c}" overlaps the probes' sources (platform.probe_sources: ${valid.join(', ')}): a trunk may not share them`)
      }
    }
  }
  if (probes.length === 0 && !raw.platform?.probe_sources) return
  config.probes = { sources: valid, probes }
  for (const p of probes) config.agents.set(p.agent, probeAgent(p))
}
