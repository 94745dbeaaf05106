/** The platform model, as loaded from config/ YAML after validation and normalisation. */
import type { Calendar } from './model-calendar'
import type { ClosedHandling, OnCallRota, OverflowRule, OverflowTarget } from './model-routing'
import type { ProbePlan } from './probes'

export type { Calendar, Closure, HourRange, Opening, WeeklyHours } from './model-calendar'
export type { ClosedHandling, OnCallRota, OverflowCondition, OverflowRule, OverflowTarget, Technician } from './model-routing'

export type Strategy =
  | 'longest-idle'
  | 'fewest-calls'
  | 'least-talk-time'
  | 'round-robin'
  | 'top-down'
  | 'random'
  | 'skill-level'
  | 'ring-all'

export interface SkillRequirement {
  skill: string
  minLevel: number
}

/** One escalation step: after `afterSeconds` of waiting, the queue accepts weaker or further agents. */
export interface EscalationStep {
  afterSeconds: number
  /** Every required skill's minimum level is lowered to at most this. */
  minLevel?: number
  /** Agents of tiers up to this one qualify (tier 1 is the queue's own team). */
  maxTier?: number
}

export interface PriorityRule {
  /** All attributes named here must equal the call's attribute. */
  when: Record<string, string>
  priority: number
}

export interface ServiceLevel {
  percent: number
  seconds: number
}

/** How a failed outbound attempt is retried: attempts in all, and the wait before the next by outcome. */
export interface RetryPolicy {
  maxAttempts: number
  retrySeconds: Record<OutboundFailure, number>
}

export type OutboundFailure = 'busy' | 'no-answer' | 'failed'

/** The callback offer of a queue: after a wait, a key lets the caller hang up and keep their place. */
export interface CallbackOffer {
  /** Seconds of waiting before the offer is played. */
  offerAfterSeconds: number
  /** Seconds between two offers (0: offered once). */
  repeatSeconds: number
  key: string
  prompt: string
  confirmPrompt: string
  /** When the caller's own number cannot be called back (withheld, outside the allow-list), ask for one. */
  askNumber: boolean
  numberPrompt: string
  /** How long the customer's phone rings on each attempt. */
  ringSeconds: number
  retry: RetryPolicy
  /** A callback not made within this many seconds of the request is reported failed (expired). */
  expireSeconds: number
}

export interface Queue {
  id: string
  tenant: string
  name: string
  skills: SkillRequirement[]
  strategy: Strategy
  defaultPriority: number
  priorityRules: PriorityRule[]
  maxWaitSeconds: number
  maxLength: number
  wrapUpSeconds: number
  ringTimeoutSeconds: number
  referentWaitSeconds: number
  overflow: OverflowTarget
  serviceLevel: ServiceLevel
  escalation: EscalationStep[]
  /** Agent tiers for escalation (agent id -> tier, default 1). */
  tiers: Record<string, number>
  /** Ordered agent list for top-down and round-robin; others follow in id order. */
  agentOrder: string[]
  holdMusic: string | undefined
  /** Seconds between position / estimated-wait announcements while waiting (0 = none). */
  announceSeconds: number
  /** Absent: callers are not offered a callback. */
  callback: CallbackOffer | undefined
  /** Closed by configuration: callers get `whenClosed` instead of the queue. */
  closed: boolean
  /** voicemail: leave a message; message: the `closed` prompt, then hang up; hangup: at once. */
  whenClosed: 'voicemail' | 'message' | 'hangup'
  /** Evaluated in order; the first that applies sends the call to its target. */
  overflowRules: OverflowRule[]
  /** The queue's calendar (a name of the tenant's calendars); absent: the tenant's, or always open. */
  calendar?: string
  /** Calls waiting when the queue closes: kept (default), or sent to the queue's overflow. */
  atClosing?: 'keep' | 'overflow'
  /** The site whose agents serve the queue (absent: any agent); see src/config/build-sites.ts. */
  site?: string
  /** The id of this queue's copy at its backup site, when its DDIs name one. */
  backup?: string
  /** For a backup copy: the id of the tenant's queue it copies. */
  primary?: string
}

export interface Trunk {
  id: string
  tenant: string
  allowedSources: string[]
  maxInbound: number
  maxOutbound: number
  /** Where outbound calls go (sip URI host[:port]); absent for inbound-only trunks. */
  outboundProxy: string | undefined
}

export type EntryPoint = { kind: 'queue'; queue: string } | { kind: 'ivr'; ivr: string }

/** What pressing a key in an IVR menu does. */
export interface IvrChoice {
  /** Go to this queue of the tenant... */
  queue?: string
  /** ...or to this sub-menu... */
  menu?: string
  /** ...or end with this action. */
  action?: 'voicemail' | 'hangup'
  /** Attributes set on the call (e.g. urgency: critical), used by priority rules and history. */
  set: Record<string, string>
  /** Explicit priority for the queue. */
  priority?: number
  /** Digits to collect first (e.g. a customer number, used for referent-agent routing). */
  collect?: { attribute: string; prompt: string; minDigits: number; maxDigits: number }
}

export interface IvrMenu {
  id: string
  tenant: string
  /** Prompt played (and interrupted by the first key): a prompt name of the tenant's set or a file. */
  prompt: string
  timeoutSeconds: number
  maxTries: number
  invalidPrompt: string
  choices: Record<string, IvrChoice>
  /** After max tries without a valid key. */
  fallback: IvrChoice
}

export interface Ddi {
  /** E.164, e.g. +33170000001 */
  number: string
  tenant: string
  entry: EntryPoint
  /** Out of hours: the DDI's own, else the tenant's, else the closed message. */
  whenClosed: ClosedHandling
  /** The DDI's calendar; absent: the tenant's, or always open. */
  calendar?: string
  /** Extra hour sets of the calendar that apply to calls on this DDI. */
  extraHours?: string[]
  /** The site of its primary entry, and the site its calls go to when that one is down or drained. */
  site?: string
  backupSite?: string
}

export interface Tenant {
  id: string
  name: string
  timezone: string
  language: string
  /** The tenant's own recordings, `<prompt name>.wav`; a prompt not found there comes from the default set. */
  promptDir: string | undefined
  /** Agent pool: the tenants that may share agents; it is the Redis hash tag of their ACD keys. */
  pool: string
  sipDomain: string
  incompatibleWith: string[]
  /** E.164 prefixes this tenant may call out to (transfers, callbacks, campaigns). */
  outboundAllowed: string[]
  skills: string[]
  /** The default out-of-hours handling of the tenant's DDIs. */
  whenClosed: ClosedHandling
  onCall: Map<string, OnCallRota>
  trunks: Trunk[]
  ddis: Ddi[]
  queues: Queue[]
  ivrs: IvrMenu[]
  /** The tenant's calendars by name (see model-calendar.ts); none: always open. */
  calendars: Record<string, Calendar>
  /** The tenant's default calendar; absent: always open. */
  calendar?: string
  /** Value of the call attribute `contract` -> the extra hour sets it grants. */
  contracts: Record<string, string[]>
  /** Caller E.164 -> contract (when the call has no `contract` attribute). */
  contractNumbers: Record<string, string>
  /** Urgency (call attribute `urgency`) -> working hours to respond. */
  responseTimes: Record<string, number>
  /** The urgency of a call without one; absent: no due time for such calls. */
  defaultUrgency?: string
  /** The calendar inside which callbacks are attempted; absent: the queue's. */
  callbackHours?: string
}

export interface Agent {
  id: string
  name: string
  sipUsername: string
  /** Digest HA1 = MD5(username:realm:password), one per tenant realm the agent may register in. */
  ha1: Record<string, string>
  tenants: string[]
  /** tenant -> skill -> level 1..10 */
  skills: Record<string, Record<string, number>>
  /** tenant -> customer ids this agent is the referent for */
  referentFor: Record<string, string[]>
  /** E.164 number for remote agents reached through the tenant's outbound trunk. */
  externalNumber: string | undefined
  /** The site the agent works at: it serves that site's queues (and queues of no site). */
  site?: string
  /** Set on the platform's own probe agents (src/probes): they take that probe's calls only. */
  probe?: { tenant: string; probe: string }
}

/** A contact centre site; down by hand, or automatically when `autoDown` says so. */
export interface Site {
  id: string
  name: string
  /** Absent: never declared down automatically. */
  autoDown?: { noInstanceSeconds?: number; noAgentSeconds?: number }
}

export interface PlatformSettings {
  /** Consecutive ring-no-answers after which an agent is paused automatically. */
  maxNoAnswer: number
  defaultRegion: string
}

export interface PlatformConfig {
  settings: PlatformSettings
  tenants: Map<string, Tenant>
  agents: Map<string, Agent>
  /** E.164 -> DDI */
  ddis: Map<string, Ddi>
  /** Declared sites (empty: the platform does not use sites). */
  sites: Map<string, Site>
  /** Synthetic test calls per tenant path (src/config/probes.ts); absent: none. */
  probes?: ProbePlan
}

export function queueOf(config: PlatformConfig, tenant: string, queue: string): Queue | undefined {
  return config.tenants.get(tenant)?.queues.find((q) => q.id === queue)
}
