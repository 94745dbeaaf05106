import type { Agent, PlatformConfig } from '../config/model'
import { parseConfig } from '../config/load'
import { Rng } from './random'

/** One tenant, one FIFO queue, N identical agents: the M/M/N system of Erlang C. */
export function erlangPlatform(agents: number): PlatformConfig {
  const lines = [
    'tenants:',
    '  - id: erlang',
    '    name: Erlang C check',
    '    timezone: UTC',
    '    skills: [any]',
    '    ddis: [{ number: "+33972999999", queue: fifo }]',
    '    queues:',
    '      - { id: fifo, skills: [{ skill: any, min_level: 1 }], strategy: longest-idle, wrap_up_seconds: 0,',
    '          max_wait_seconds: 100000000, max_length: 1000000, ring_timeout_seconds: 3600, service_level: { percent: 80, seconds: 20 } }',
    'agents:',
  ]
  for (let i = 0; i < agents; i++) lines.push(`  - { id: agent-${i}, tenants: [erlang], skills: { erlang: { any: 5 } } }`)
  return parseConfig(lines.join('\n'), 'erlang-scenario')
}

/**
 * Replaces the configured agents by `count` generated ones spread over the tenants: each has a
 * home tenant, some also serve a compatible tenant of the same pool, with levels 3..9 in every
 * skill of the tenants they serve.
 */
export function withGeneratedAgents(config: PlatformConfig, count: number, seed: number): PlatformConfig {
  const rng = new Rng(seed)
  const tenants = [...config.tenants.values()]
  const agents = new Map<string, Agent>()
  for (let i = 0; i < count; i++) {
    const home = tenants[i % tenants.length]!
    const served = [home.id]
    const partners = tenants.filter((t) => t.pool === home.pool && t.id !== home.id && !home.incompatibleWith.includes(t.id))
    if (partners.length && rng.next() < 0.4) served.push(rng.pick(partners).id)
    const skills: Record<string, Record<string, number>> = {}
    for (const t of served) skills[t] = Object.fromEntries(config.tenants.get(t)!.skills.map((s) => [s, 3 + rng.int(7)]))
    const id = `agent-${String(i + 1).padStart(3, '0')}`
    agents.set(id, { id, name: `Agent ${i + 1}`, sipUsername: id, ha1: {}, tenants: served, skills, referentFor: {}, externalNumber: undefined })
  }
  return { ...config, agents }
}
