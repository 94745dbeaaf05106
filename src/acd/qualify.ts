import type { Agent, PlatformConfig, Queue } from '../config/model'
import { probeLane } from '../config/probes'

/** What an agent brings to one queue during a login session. */
export interface Qualification {
  /** "tenant/queue" */
  qid: string
  /** First escalation step at which the agent may take the queue's calls (0 = from the start). */
  step: number
  /** Position in the queue's agent order (top-down, round-robin). */
  position: number
  /** Sum of the agent's levels in the queue's required skills (skill-level strategy). */
  level: number
  strategy: Queue['strategy']
  steps: number
}

/** Minimum level per required skill and maximum tier at each escalation step. */
function stepRequirements(queue: Queue): { minLevels: number[]; maxTier: number }[] {
  const steps = [{ minLevels: queue.skills.map((s) => s.minLevel), maxTier: 1 }]
  for (const e of queue.escalation) {
    const prev = steps[steps.length - 1]!
    steps.push({
      minLevels: prev.minLevels.map((l) => (e.minLevel === undefined ? l : Math.min(l, e.minLevel))),
      maxTier: e.maxTier ?? prev.maxTier,
    })
  }
  return steps
}

function qualifyForQueue(config: PlatformConfig, agent: Agent, queue: Queue): Qualification | undefined {
  if (!agent.tenants.includes(queue.tenant)) return undefined
  // a queue at a site is served by that site's agents only
  if (queue.site !== undefined && agent.site !== queue.site) return undefined
  const skills = agent.skills[queue.tenant] ?? {}
  const levels = queue.skills.map((s) => skills[s.skill] ?? 0)
  const tier = queue.tiers[agent.id] ?? 1
  const steps = stepRequirements(queue)
  const step = steps.findIndex((s) => tier <= s.maxTier && s.minLevels.every((min, i) => levels[i]! >= min))
  if (step < 0) return undefined
  const ordered = queue.agentOrder.indexOf(agent.id)
  const position = ordered >= 0 ? ordered : queue.agentOrder.length + sortedAgentIds(config).indexOf(agent.id)
  return {
    qid: `${queue.tenant}/${queue.id}`,
    step,
    position,
    level: levels.reduce((a, b) => a + b, 0),
    strategy: queue.strategy,
    steps: steps.length,
  }
}

const sortedCache = new WeakMap<PlatformConfig, string[]>()
function sortedAgentIds(config: PlatformConfig): string[] {
  let ids = sortedCache.get(config)
  if (!ids) {
    ids = [...config.agents.keys()].sort()
    sortedCache.set(config, ids)
  }
  return ids
}

/** Every queue of the session's tenants the agent may take. */
export function qualify(config: PlatformConfig, agent: Agent, tenants: string[]): Qualification[] {
  // a probe agent takes its probe's lane only; no other agent ever qualifies for a lane
  const probe = agent.probe && config.probes?.probes.find((p) => p.tenant === agent.probe!.tenant && p.id === agent.probe!.probe)
  if (agent.probe) return probe && tenants.includes(probe.tenant) ? [{ qid: `${probe.tenant}/${probeLane(probe.queue, probe.id)}`, step: 0, position: 0, level: 0, strategy: 'longest-idle', steps: 1 }] : []
  const out: Qualification[] = []
  for (const tenantId of tenants) {
    for (const queue of config.tenants.get(tenantId)?.queues ?? []) {
      const q = qualifyForQueue(config, agent, queue)
      if (q) out.push(q)
    }
  }
  return out
}
