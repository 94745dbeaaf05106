import type { Test } from 'tap'
import { ManualClock } from '../../src/acd/clock'
import { AcdEngine } from '../../src/acd/engine'
import type { Notice } from '../../src/acd/types'
import { parseConfig } from '../../src/config/load'
import { Metrics } from '../../src/telemetry/metrics'
import { withRedis } from './redis'

/** A two-tenant platform: "acme" (queues sales, support) and "globex" (queue help), one pool. */
export const BASE_YAML = `
tenants:
  - id: acme
    name: Acme
    timezone: Europe/Paris
    pool: shared
    incompatible_with: [globex]
    skills: [sales, support]
    queues:
      - id: sales
        skills: [{ skill: sales, min_level: 5 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        ring_timeout_seconds: 10
        max_wait_seconds: 300
        referent_wait_seconds: 20
        priority_rules: [{ when: { urgency: critical }, priority: 90 }]
        escalation:
          - { after_seconds: 30, min_level: 2 }
          - { after_seconds: 60, max_tier: 2 }
        tiers: { a4: 2 }
      - id: support
        skills: [{ skill: support, min_level: 1 }]
        strategy: STRATEGY
        agent_order: [a3, a1, a2]
        wrap_up_seconds: 5
        ring_timeout_seconds: 10
        max_length: 3
        max_wait_seconds: 100
        overflow: { queue: sales }
  - id: globex
    name: Globex
    timezone: Europe/London
    pool: shared
    skills: [help]
    response_times: { minor: 2 }
    default_urgency: minor
    calendars:
      daytime: { hours: { mon-sun: ["09:00-17:00"] } }
    trunks: [{ id: globex-carrier, allowed_sources: [127.0.0.9/32], max_inbound: 5, max_outbound: 2, outbound_proxy: "127.0.0.9:5060" }]
    queues:
      - id: help
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        callback: { offer_after_seconds: 30, max_attempts: 2, retry_seconds: { busy: 60, no-answer: 120, failed: 90 }, expire_seconds: 1000 }
      - id: daytime
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        calendar: daytime
        callback: { offer_after_seconds: 30, expire_seconds: 200000 }
  - id: initech
    name: Initech
    timezone: America/New_York
    pool: shared
    skills: [help]
    queues:
      - id: help
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
agents:
  - { id: a1, tenants: [acme, globex], skills: { acme: { sales: 6, support: 3 }, globex: { help: 5 } } }
  - { id: a2, tenants: [acme], skills: { acme: { sales: 9, support: 8 } } }
  - { id: a3, tenants: [acme], skills: { acme: { sales: 3, support: 5 } } }
  - { id: a4, tenants: [acme], skills: { acme: { sales: 8, support: 1 } }, referent_for: { acme: [CUST-1] } }
  - { id: g1, tenants: [globex, initech], skills: { globex: { help: 5 }, initech: { help: 5 } } }
`

/**
 * The engine on a real Redis for a platform written in YAML, on a hand-moved clock starting at
 * `start` (ms), with the notices it gives this instance collected.
 */
export async function engineOn(t: Test, yaml: string, o: { start?: number; instanceId?: string; metrics?: Metrics; file?: string } = {}) {
  const { redis, server } = await withRedis(t)
  const config = parseConfig(yaml, o.file ?? 'fixture.yaml')
  const clock = new ManualClock(o.start ?? 1_000_000)
  const engine = new AcdEngine(redis, config, { instanceId: o.instanceId ?? 'test', clock, metrics: o.metrics })
  await engine.applyConfig(config)
  const notices: Notice[] = []
  engine.on('notice', (n: Notice) => notices.push(n))
  const overflows = () => notices.filter((n): n is Extract<Notice, { type: 'overflow' }> => n.type === 'overflow')
  return { redis, server, config, clock, engine, notices, overflows }
}

export async function engineFixture(t: Test, strategy = 'longest-idle', instanceId = 'test') {
  const f = await engineOn(t, BASE_YAML.replace('STRATEGY', strategy), { instanceId })
  const offers = () => f.notices.filter((n) => n.type === 'offer')
  return { ...f, offers }
}
