import { ha1 } from '../../src/agents/digest'

export interface HaTenant {
  id: string
  pool: string
}

/** Agents of a tenant in the HA platform: `<tenant>-a1` .. `<tenant>-a3`. */
export const agentsOf = (tenant: string): string[] => [1, 2, 3].map((i) => `${tenant}-a${i}`)

/**
 * A platform for the Redis HA tests: each tenant with one queue `q` (callbacks offered, short
 * real-time timers), one trunk (`<tenant>-trunk`, 3 channels each way) and three agents of its
 * own, with digest credentials in the tenant's realm `<tenant>.ha.local`.
 */
export function haPlatform(tenants: HaTenant[]): string {
  const t = tenants.map(
    (x, i) => `
  - id: ${x.id}
    name: ${x.id}
    timezone: UTC
    pool: ${x.pool}
    sip_domain: ${x.id}.ha.local
    outbound_allowed: ["+336"]
    skills: [s]
    trunks: [{ id: ${x.id}-trunk, allowed_sources: [127.0.1.${i + 1}/32], max_inbound: 3, max_outbound: 3, outbound_proxy: "127.0.1.${i + 1}:5060" }]
    queues:
      - id: q
        skills: [{ skill: s, min_level: 1 }]
        strategy: longest-idle
        ring_timeout_seconds: 0.6
        wrap_up_seconds: 0.05
        max_wait_seconds: 120
        callback: { offer_after_seconds: 1, max_attempts: 2, retry_seconds: { busy: 0.2, no-answer: 0.2, failed: 0.2 }, expire_seconds: 60 }`,
  )
  const a = tenants.flatMap((x) =>
    agentsOf(x.id).map((id) => `  - { id: ${id}, sip_username: ${id}, tenants: [${x.id}], skills: { ${x.id}: { s: 5 } }, ha1: { ${x.id}: ${ha1(id, `${x.id}.ha.local`, 'secret')} } }`),
  )
  return `platform: { max_no_answer: 3 }\ntenants:${t.join('')}\nagents:\n${a.join('\n')}\n`
}
