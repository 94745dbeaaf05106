// Synthetic test calls (probes) in the platform model: what a probe is, the probe agent that takes
// its calls, and the probe lane of a queue, where its calls wait for that agent only.
import type { Agent, PlatformConfig, Queue } from './model'

/** A synthetic call along one tenant path: DDI, the IVR keys, a queue, answered by the probe's agent. */
export interface Probe {
  id: string
  tenant: string
  /** E.164, a DDI of the tenant */
  ddi: string
  /** DTMF keys the IVR needs to reach `queue` ('' when the DDI leads to the queue) */
  digits: string
  queue: string
  /** the tenant's trunk the call is taken on (its channel caps apply) */
  trunk: string
  everySeconds: number
  timeoutSeconds: number
  /** the probe agent's id (probeAgentId) */
  agent: string
}

export interface ProbePlan {
  /** CIDR ranges probe calls come from (the probe's own drachtio-server); no trunk may overlap them */
  sources: string[]
  probes: Probe[]
}

/** Probe agents' ids have dots, which configured ids cannot: `probe.<tenant>.<probe>`. */
export const probeAgentId = (tenant: string, probe: string): string => `probe.${tenant}.${probe}`

/** A probe's lane of a queue: `<queue>.probe.<probe>` (configured queue ids have no dots). */
export const probeLane = (queue: string, probe: string): string => `${queue}.probe.${probe}`

export const isProbeLane = (queue: string): boolean => queue.includes('.probe.')

export function probeOf(config: PlatformConfig, tenant: string, id: string): Probe | undefined {
  return config.probes?.probes.find((p) => p.tenant === tenant && p.id === id)
}

/** The probe agent of a probe: serves the probe's tenant, no skill, no credentials (never registers itself). */
export function probeAgent(p: Probe): Agent {
  return { id: p.agent, name: `probe ${p.tenant}/${p.id}`, sipUsername: p.agent, ha1: {}, tenants: [p.tenant], skills: {}, referentFor: {}, externalNumber: undefined, probe: { tenant: p.tenant, probe: p.id } }
}

/**
 * The lane of a queue for one probe, as the engine runs it: the queue's tenant and scripts, its own
 * waiting and available lists and counters (so a probe never counts in the queue's figures), rung
 * for the probe's time-out, no wrap-up, no escalation, no overflow to a customer queue.
 */
export function laneQueue(base: Queue, p: Probe): Queue {
  return {
    ...base,
    id: probeLane(base.id, p.id),
    name: `${base.name} (probe ${p.id})`,
    skills: [],
    strategy: 'longest-idle',
    priorityRules: [],
    maxWaitSeconds: p.timeoutSeconds,
    maxLength: 5,
    wrapUpSeconds: 0,
    ringTimeoutSeconds: p.timeoutSeconds,
    referentWaitSeconds: 0,
    overflow: { kind: 'hangup' },
    escalation: [],
    tiers: {},
    agentOrder: [],
    announceSeconds: 0,
    callback: undefined,
  }
}

/** The lane queue named `lane` of a tenant, when it is one. */
export function laneQueueOf(config: PlatformConfig, tenant: string, lane: string): Queue | undefined {
  if (!isProbeLane(lane)) return undefined
  const p = config.probes?.probes.find((x) => x.tenant === tenant && probeLane(x.queue, x.id) === lane)
  const base = p && config.tenants.get(tenant)?.queues.find((q) => q.id === p.queue)
  return p && base ? laneQueue(base, p) : undefined
}
