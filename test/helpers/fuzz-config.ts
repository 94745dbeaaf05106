/** Platform used by the randomized concurrency test: short timers so that every path runs. */
export const FUZZ_YAML = `
platform: { max_no_answer: 3 }
tenants:
  - id: t1
    name: T1
    timezone: UTC
    pool: fz
    incompatible_with: [t2]
    skills: [s]
    queues:
      - { id: q1, skills: [{ skill: s, min_level: 5 }], strategy: longest-idle, ring_timeout_seconds: 0.15, wrap_up_seconds: 0.05,
          max_wait_seconds: 3, referent_wait_seconds: 0.2, overflow: { queue: q2 },
          escalation: [{ after_seconds: 0.1, min_level: 2 }, { after_seconds: 0.3, max_tier: 2 }], tiers: { g: 2 } }
      - { id: q2, skills: [{ skill: s, min_level: 1 }], strategy: ring-all, ring_timeout_seconds: 0.1, wrap_up_seconds: 0, max_length: 40 }
  - id: t2
    name: T2
    timezone: UTC
    pool: fz
    skills: [s]
    trunks: [{ id: t2-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 5, max_outbound: 5, outbound_proxy: "127.0.0.2:5060" }]
    queues:
      - { id: q1, skills: [{ skill: s, min_level: 1 }], strategy: round-robin, ring_timeout_seconds: 0.1, wrap_up_seconds: 0.02, max_wait_seconds: 2,
          callback: { offer_after_seconds: 1, max_attempts: 3, retry_seconds: { busy: 0.05, no-answer: 0.1, failed: 0.02 }, expire_seconds: 1.5 } }
      - { id: q3, skills: [{ skill: s, min_level: 3 }], strategy: skill-level, ring_timeout_seconds: 0.2, wrap_up_seconds: 0 }
  - id: t3
    name: T3
    timezone: UTC
    pool: fz
    skills: [s]
    queues:
      - { id: q1, skills: [{ skill: s, min_level: 1 }], strategy: fewest-calls, ring_timeout_seconds: 0.1, wrap_up_seconds: 0.03 }
      - { id: q4, skills: [{ skill: s, min_level: 1 }], strategy: random, ring_timeout_seconds: 0.1, wrap_up_seconds: 0 }
agents:
  - { id: a, tenants: [t1, t3], skills: { t1: { s: 6 }, t3: { s: 2 } }, referent_for: { t1: [C1] } }
  - { id: b, tenants: [t1, t3], skills: { t1: { s: 3 }, t3: { s: 5 } } }
  - { id: c, tenants: [t2, t3], skills: { t2: { s: 4 }, t3: { s: 5 } } }
  - { id: d, tenants: [t2], skills: { t2: { s: 9 } } }
  - { id: e, tenants: [t1, t2], skills: { t1: { s: 7 }, t2: { s: 5 } } }
  - { id: f, tenants: [t3], skills: { t3: { s: 1 } } }
  - { id: g, tenants: [t1], skills: { t1: { s: 8 } } }
  - { id: h, tenants: [t2, t3], skills: { t2: { s: 2 }, t3: { s: 8 } } }
`

export const FUZZ_QUEUES: [string, string][] = [
  ['t1', 'q1'],
  ['t1', 'q2'],
  ['t2', 'q1'],
  ['t2', 'q3'],
  ['t3', 'q1'],
  ['t3', 'q4'],
]

/** Session choices per agent: never two incompatible tenants (t1, t2) together. */
export const FUZZ_SESSIONS: Record<string, string[][]> = {
  a: [['t1', 't3'], ['t1'], ['t3']],
  b: [['t1', 't3'], ['t3']],
  c: [['t2', 't3'], ['t2']],
  d: [['t2']],
  e: [['t1'], ['t2']],
  f: [['t3']],
  g: [['t1']],
  h: [['t2', 't3'], ['t3']],
}
