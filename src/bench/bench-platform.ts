/** The bench platform: one tenant, one trunk from the callers' address, one queue, `agents` agents. */
export function benchPlatform(o: { tenant: string; callerIp: string; ddi: string; agents: number }): string {
  const { tenant: TENANT, callerIp: CALLER_IP, ddi: DDI, agents: AGENTS } = o
  const lines = [
    'platform: { max_no_answer: 3, default_region: FR }',
    'tenants:',
    `  - id: ${TENANT}`,
    '    name: Bench',
    '    timezone: Europe/Paris',
    '    pool: bench',
    '    sip_domain: bench.acd.local',
    '    skills: [calls]',
    '    trunks:',
    `      - { id: bench-carrier, allowed_sources: [${CALLER_IP}/32], max_inbound: 5000, max_outbound: 0 }`,
    '    ddis:',
    `      - { number: "${DDI}", queue: main }`,
    '    queues:',
    '      - { id: main, skills: [{ skill: calls, min_level: 1 }], strategy: longest-idle, ring_timeout_seconds: 10, wrap_up_seconds: 0, max_length: 100000, max_wait_seconds: 600 }',
    'agents:',
  ]
  for (let i = 0; i < AGENTS; i++) lines.push(`  - { id: a${i}, sip_username: a${i}, tenants: [${TENANT}], skills: { ${TENANT}: { calls: 5 } } }`)
  return lines.join('\n') + '\n'
}
