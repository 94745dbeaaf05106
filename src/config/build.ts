// The meaning checks of a configuration whose shape the schema accepted: references, E.164
// numbers, time zones, CIDRs, pools, prompts; every problem is collected with its path.
import { existsSync, statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { IANAZone } from 'luxon'
import type { ConfigProblem } from './errors'
import type { Agent, CallbackOffer, Ddi, EscalationStep, IvrChoice, IvrMenu, OverflowTarget, PlatformConfig, Queue, Tenant, Trunk } from './model'
import { ddiCalendar, queueCalendar, tenantCalendars } from './build-calendar'
import { parseCidr } from './network'
import { toE164 } from './phone'
import { PROMPT_LANGUAGES } from '../media/prompt-set'
import { checkBackupTargets, checkClosedHandling, checkOverflow, closedHandling, onCallRotas, overflowRules } from './build-overflow'
import { buildSites } from './build-sites'
import { buildProbes } from './build-probes'

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = any

function callbackOffer(c: Raw): CallbackOffer {
  const retry = c.retry_seconds ?? {}
  return {
    offerAfterSeconds: c.offer_after_seconds,
    repeatSeconds: c.repeat_seconds ?? 0,
    key: c.key ?? '1',
    prompt: c.prompt ?? 'callback-offer',
    confirmPrompt: c.confirm_prompt ?? 'callback-confirmed',
    askNumber: c.ask_number ?? false,
    numberPrompt: c.number_prompt ?? 'enter-callback-number',
    ringSeconds: c.ring_seconds ?? 30,
    retry: {
      maxAttempts: c.max_attempts ?? 3,
      retrySeconds: { busy: retry.busy ?? 120, 'no-answer': retry['no-answer'] ?? 300, failed: retry.failed ?? 300 },
    },
    expireSeconds: c.expire_seconds ?? 3600,
  }
}

/** The platform configuration from a raw document the schema accepted; problems are pushed to `problems`. */
export function build(raw: Raw, file: string, problems: ConfigProblem[]): PlatformConfig {
  const fail = (path: string, reason: string) => problems.push({ file, path, reason })
  const settings = {
    maxNoAnswer: raw.platform?.max_no_answer ?? 3,
    defaultRegion: raw.platform?.default_region ?? 'FR',
  }
  const tenants = new Map<string, Tenant>()
  const ddis = new Map<string, Ddi>()
  const trunkIds = new Set<string>()

  raw.tenants.forEach((t: Raw, ti: number) => {
    const at = `/tenants/${ti}`
    if (tenants.has(t.id)) fail(`${at}/id`, `duplicate tenant id "${t.id}"`)
    if (!IANAZone.isValidZone(t.timezone)) fail(`${at}/timezone`, `unknown IANA time zone "${t.timezone}"`)
    const skills: string[] = t.skills ?? []
    if (t.prompt_dir !== undefined && !(isAbsolute(t.prompt_dir) && existsSync(t.prompt_dir) && statSync(t.prompt_dir).isDirectory()))
      fail(`${at}/prompt_dir`, `not an existing directory (absolute path): "${t.prompt_dir}"`)
    if (t.prompt_dir === undefined && !PROMPT_LANGUAGES.includes(t.language ?? 'en'))
      fail(`${at}/language`, `no default prompt set speaks "${t.language}" (there are: ${PROMPT_LANGUAGES.join(', ')}): give the tenant a prompt_dir with its recordings`)
    const tenant: Tenant = {
      id: t.id,
      name: t.name,
      timezone: t.timezone,
      language: t.language ?? 'en',
      promptDir: t.prompt_dir,
      pool: t.pool ?? t.id,
      sipDomain: t.sip_domain ?? `${t.id}.acd.local`,
      incompatibleWith: t.incompatible_with ?? [],
      outboundAllowed: t.outbound_allowed ?? [],
      skills,
      whenClosed: { kind: 'message' },
      onCall: new Map(),
      trunks: [],
      ddis: [],
      queues: [],
      ivrs: [],
      ...tenantCalendars(t, at, settings.defaultRegion, fail),
    }
    ;(t.trunks ?? []).forEach((tr: Raw, i: number) => {
      const path = `${at}/trunks/${i}`
      if (trunkIds.has(tr.id)) fail(`${path}/id`, `duplicate trunk id "${tr.id}" (trunk ids are platform-wide)`)
      trunkIds.add(tr.id)
      tr.allowed_sources.forEach((c: string, j: number) => {
        if (!parseCidr(c)) fail(`${path}/allowed_sources/${j}`, `not an IP address or CIDR range: "${c}"`)
      })
      const trunk: Trunk = {
        id: tr.id,
        tenant: t.id,
        allowedSources: tr.allowed_sources,
        maxInbound: tr.max_inbound,
        maxOutbound: tr.max_outbound,
        outboundProxy: tr.outbound_proxy,
      }
      tenant.trunks.push(trunk)
    })
    tenant.onCall = onCallRotas(settings, tenant, t.on_call, at, fail)
    tenant.whenClosed = closedHandling(t.when_closed, tenant.whenClosed)
    checkClosedHandling(settings, tenant, tenant.whenClosed, `${at}/when_closed`, fail)
    ;(t.queues ?? []).forEach((q: Raw, i: number) => {
      const path = `${at}/queues/${i}`
      if (tenant.queues.some((o) => o.id === q.id)) fail(`${path}/id`, `duplicate queue id "${q.id}" in tenant "${t.id}"`)
      q.skills.forEach((s: Raw, j: number) => {
        if (!skills.includes(s.skill)) fail(`${path}/skills/${j}/skill`, `skill "${s.skill}" is not declared by tenant "${t.id}"`)
      })
      const escalation: EscalationStep[] = (q.escalation ?? []).map((e: Raw) => ({
        afterSeconds: e.after_seconds,
        minLevel: e.min_level,
        maxTier: e.max_tier,
      }))
      escalation.forEach((e, j) => {
        const prev = escalation[j - 1]
        if (prev && e.afterSeconds <= prev.afterSeconds) fail(`${path}/escalation/${j}/after_seconds`, 'escalation steps must have increasing after_seconds')
        if (e.minLevel === undefined && e.maxTier === undefined) fail(`${path}/escalation/${j}`, 'an escalation step needs min_level or max_tier')
      })
      const overflow: OverflowTarget = q.overflow?.queue
        ? { kind: 'queue', queue: q.overflow.queue }
        : { kind: q.overflow?.action ?? 'hangup' }
      const queue: Queue = {
        id: q.id,
        tenant: t.id,
        name: q.name ?? q.id,
        skills: q.skills.map((s: Raw) => ({ skill: s.skill, minLevel: s.min_level })),
        strategy: q.strategy,
        defaultPriority: q.default_priority ?? 10,
        priorityRules: q.priority_rules ?? [],
        maxWaitSeconds: q.max_wait_seconds ?? 1800,
        maxLength: q.max_length ?? 500,
        wrapUpSeconds: q.wrap_up_seconds ?? 10,
        ringTimeoutSeconds: q.ring_timeout_seconds ?? 20,
        referentWaitSeconds: q.referent_wait_seconds ?? 30,
        overflow,
        serviceLevel: q.service_level ?? { percent: 80, seconds: 20 },
        escalation,
        tiers: q.tiers ?? {},
        agentOrder: q.agent_order ?? [],
        holdMusic: q.hold_music,
        announceSeconds: q.announce_seconds ?? 0,
        callback: q.callback ? callbackOffer(q.callback) : undefined,
        closed: q.closed ?? false,
        whenClosed: q.when_closed ?? 'message',
        overflowRules: overflowRules(q.overflow_rules),
        ...queueCalendar(q, tenant, path, fail),
      }
      tenant.queues.push(queue)
    })
    tenant.queues.forEach((q, i) => {
      if (q.callback && q.callback.key !== '1' && q.callback.prompt === 'callback-offer')
        fail(`${at}/queues/${i}/callback/prompt`, `the default offer says "press 1": a callback key "${q.callback.key}" needs its own prompt`)
      if (q.callback && !tenant.trunks.some((tr) => tr.outboundProxy && tr.maxOutbound > 0))
        fail(`${at}/queues/${i}/callback`, `a callback offer needs an outbound trunk: tenant "${t.id}" has none with outbound_proxy and max_outbound > 0`)
      if (q.overflow.kind === 'queue') {
        const target = q.overflow.queue
        if (target === q.id) fail(`${at}/queues/${i}/overflow/queue`, 'a queue cannot overflow to itself')
        else if (!tenant.queues.some((o) => o.id === target))
          fail(`${at}/queues/${i}/overflow/queue`, `overflow queue "${target}" is not a queue of tenant "${t.id}"`)
      }
    })
    checkOverflow(settings, tenant, at, fail)
    const choiceOf = (c: Raw, path: string): IvrChoice => {
      const targets = ['queue', 'menu', 'action'].filter((k) => c[k] !== undefined)
      if (targets.length !== 1) fail(path, 'a choice leads to exactly one of queue, menu or action')
      if (c.queue !== undefined && !tenant.queues.some((q) => q.id === c.queue)) fail(`${path}/queue`, `queue "${c.queue}" is not a queue of tenant "${t.id}"`)
      if (c.menu !== undefined && !(t.ivrs ?? []).some((m: Raw) => m.id === c.menu)) fail(`${path}/menu`, `menu "${c.menu}" is not a menu of tenant "${t.id}"`)
      if (c.collect && c.queue === undefined) fail(`${path}/collect`, 'digits are collected only on the way to a queue')
      const minDigits = c.collect?.min_digits ?? 1
      const maxDigits = c.collect?.max_digits ?? Math.max(minDigits, 12)
      if (c.collect && maxDigits < minDigits) fail(`${path}/collect`, 'max_digits is below min_digits')
      return {
        queue: c.queue,
        menu: c.menu,
        action: c.action,
        set: c.set ?? {},
        priority: c.priority,
        collect: c.collect ? { attribute: c.collect.attribute, prompt: c.collect.prompt, minDigits, maxDigits } : undefined,
      }
    }
    ;(t.ivrs ?? []).forEach((m: Raw, i: number) => {
      const path = `${at}/ivrs/${i}`
      if (tenant.ivrs.some((o) => o.id === m.id)) fail(`${path}/id`, `duplicate menu id "${m.id}" in tenant "${t.id}"`)
      const menu: IvrMenu = {
        id: m.id,
        tenant: t.id,
        prompt: m.prompt,
        timeoutSeconds: m.timeout_seconds ?? 5,
        maxTries: m.max_tries ?? 3,
        invalidPrompt: m.invalid_prompt ?? 'invalid',
        choices: Object.fromEntries(Object.entries<Raw>(m.choices).map(([k, c]) => [k, choiceOf(c, `${path}/choices/${k}`)])),
        fallback: choiceOf(m.default, `${path}/default`),
      }
      tenant.ivrs.push(menu)
    })
    ;(t.ddis ?? []).forEach((d: Raw, i: number) => {
      const path = `${at}/ddis/${i}`
      const number = toE164(d.number, settings.defaultRegion)
      if (!number) return fail(`${path}/number`, `not a valid phone number: "${d.number}"`)
      if ((d.queue === undefined) === (d.ivr === undefined)) return fail(path, 'a DDI leads to exactly one of queue or ivr')
      if (d.queue !== undefined && !tenant.queues.some((q) => q.id === d.queue))
        return fail(`${path}/queue`, `queue "${d.queue}" is not a queue of tenant "${t.id}"`)
      if (d.ivr !== undefined && !tenant.ivrs.some((m) => m.id === d.ivr)) return fail(`${path}/ivr`, `menu "${d.ivr}" is not a menu of tenant "${t.id}"`)
      const owner = ddis.get(number)
      if (owner) return fail(`${path}/number`, `${number} is already a DDI of tenant "${owner.tenant}"`)
      const whenClosed = closedHandling(d.when_closed, tenant.whenClosed)
      if (d.when_closed) checkClosedHandling(settings, tenant, whenClosed, `${path}/when_closed`, fail)
      const entry: Ddi['entry'] = d.queue !== undefined ? { kind: 'queue', queue: d.queue } : { kind: 'ivr', ivr: d.ivr }
      const ddi: Ddi = { number, tenant: t.id, entry, whenClosed, ...ddiCalendar(d, tenant, path, fail) }
      ddis.set(number, ddi)
      tenant.ddis.push(ddi)
    })
    tenants.set(t.id, tenant)
  })

  raw.tenants.forEach((t: Raw, ti: number) => {
    ;(t.incompatible_with ?? []).forEach((other: string, i: number) => {
      if (!tenants.has(other)) fail(`/tenants/${ti}/incompatible_with/${i}`, `unknown tenant "${other}"`)
      if (other === t.id) fail(`/tenants/${ti}/incompatible_with/${i}`, 'a tenant cannot be incompatible with itself')
    })
  })
  // Incompatibility is symmetric whichever side declares it.
  for (const t of tenants.values()) {
    for (const other of t.incompatibleWith) {
      const o = tenants.get(other)
      if (o && !o.incompatibleWith.includes(t.id)) o.incompatibleWith.push(t.id)
    }
  }

  const agents = new Map<string, Agent>()
  const sipNames = new Map<string, string>()
  ;(raw.agents ?? []).forEach((a: Raw, ai: number) => {
    const at = `/agents/${ai}`
    if (agents.has(a.id)) fail(`${at}/id`, `duplicate agent id "${a.id}"`)
    const pools = new Set<string>()
    a.tenants.forEach((tid: string, i: number) => {
      const t = tenants.get(tid)
      if (!t) return fail(`${at}/tenants/${i}`, `unknown tenant "${tid}"`)
      pools.add(t.pool)
    })
    if (pools.size > 1)
      fail(`${at}/tenants`, `an agent serves tenants of one pool only; these span pools ${[...pools].sort().join(', ')}`)
    for (const [tid, skills] of Object.entries<Record<string, number>>(a.skills ?? {})) {
      const t = tenants.get(tid)
      if (!a.tenants.includes(tid)) {
        fail(`${at}/skills/${tid}`, `skills given for tenant "${tid}" the agent does not serve`)
        continue
      }
      for (const skill of Object.keys(skills)) {
        if (t && !t.skills.includes(skill)) fail(`${at}/skills/${tid}/${skill}`, `skill "${skill}" is not declared by tenant "${tid}"`)
      }
    }
    for (const tid of Object.keys(a.ha1 ?? {})) {
      if (!a.tenants.includes(tid)) fail(`${at}/ha1/${tid}`, `credentials for tenant "${tid}" the agent does not serve`)
    }
    for (const tid of Object.keys(a.referent_for ?? {})) {
      if (!a.tenants.includes(tid)) fail(`${at}/referent_for/${tid}`, `referent for tenant "${tid}" the agent does not serve`)
    }
    const sipUsername = a.sip_username ?? a.id
    const other = sipNames.get(sipUsername)
    if (other) fail(`${at}/sip_username`, `SIP username "${sipUsername}" is already used by agent "${other}"`)
    sipNames.set(sipUsername, a.id)
    let externalNumber: string | undefined
    if (a.external_number !== undefined) {
      externalNumber = toE164(a.external_number, settings.defaultRegion)
      if (!externalNumber) fail(`${at}/external_number`, `not a valid phone number: "${a.external_number}"`)
    }
    agents.set(a.id, {
      id: a.id,
      name: a.name ?? a.id,
      sipUsername,
      ha1: a.ha1 ?? {},
      tenants: a.tenants,
      skills: a.skills ?? {},
      referentFor: a.referent_for ?? {},
      externalNumber,
    })
  })

  // Queue references to agents (tiers, order) must name agents that serve the queue's tenant.
  raw.tenants.forEach((t: Raw, ti: number) => {
    ;(t.queues ?? []).forEach((q: Raw, qi: number) => {
      const check = (agentId: string, path: string) => {
        const a = agents.get(agentId)
        if (!a) fail(path, `unknown agent "${agentId}"`)
        else if (!a.tenants.includes(t.id)) fail(path, `agent "${agentId}" does not serve tenant "${t.id}"`)
      }
      for (const agentId of Object.keys(q.tiers ?? {})) check(agentId, `/tenants/${ti}/queues/${qi}/tiers/${agentId}`)
      ;(q.agent_order ?? []).forEach((agentId: string, i: number) => check(agentId, `/tenants/${ti}/queues/${qi}/agent_order/${i}`))
    })
  })

  const sites = buildSites(raw, file, { settings, tenants, agents, ddis }, problems)
  checkBackupTargets(tenants, file, problems)
  const config: PlatformConfig = { settings, tenants, agents, ddis, sites }
  buildProbes(raw, file, config, problems)
  return config
}
