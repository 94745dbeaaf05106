import t from 'tap'
import { ConfigError } from '../../src/config/errors'
import { parseConfig } from '../../src/config/load'

const tenant = (queues: string, extra = '') => `
tenants:
  - id: acme
    name: Acme
    timezone: Europe/Brussels
    skills: [help]
    outbound_allowed: ["+32"]
    trunks: [{ id: acme-carrier, allowed_sources: [127.0.0.9/32], max_inbound: 5, max_outbound: 2, outbound_proxy: "127.0.0.9:5060" }]
${extra}
    queues:
${queues}
  - id: other
    name: Other
    timezone: Europe/Paris
    skills: [help]
    queues:
      - { id: elsewhere, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle }
`
const q = (id: string, rest = '') => `      - { id: ${id}, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle${rest} }`

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'x.yaml')
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.reason}`)
    throw err
  }
  return []
}

t.test('overflow rules are read in order with their targets; numbers normalised', async (t) => {
  const c = parseConfig(
    tenant(
      [
        q('a', ', overflow_rules: [{ when: { waited_seconds: 60 }, to: { queue: b } }, { when: { no_agents: true }, to: { number: "+32 2 555 01 01" } }, { when: { closed: true }, to: { action: voicemail } }]'),
        q('b'),
      ].join('\n'),
    ),
  )
  t.same(c.tenants.get('acme')!.queues[0]!.overflowRules, [
    { when: { kind: 'waited', seconds: 60 }, to: { kind: 'queue', queue: 'b' } },
    { when: { kind: 'no-agents' }, to: { kind: 'number', number: '+3225550101' } },
    { when: { kind: 'closed' }, to: { kind: 'voicemail' } },
  ])
})

t.test('an overflow never leads outside the tenant, and chains that could loop are refused', async (t) => {
  const p = problems(
    tenant(
      [
        q('a', ', overflow: { queue: b }'),
        q('b', ', overflow_rules: [{ when: { waiting_at_least: 3 }, to: { queue: c } }]'),
        q('c', ', overflow_rules: [{ when: { waited_seconds: 10 }, to: { queue: a } }, { when: { no_agents: true }, to: { queue: elsewhere } }, { when: { waited_seconds: 5 }, to: { number: "+33 1 70 00 00 01" } }]'),
      ].join('\n'),
    ),
  )
  t.match(p.join('\n'), /\/tenants\/0\/queues: overflows between queues could loop: a → b → c → a/)
  t.match(p.join('\n'), /\/tenants\/0\/queues\/2\/overflow_rules\/1\/to\/queue: overflow queue "elsewhere" is not a queue of tenant "acme"/)
  t.match(p.join('\n'), /\/tenants\/0\/queues\/2\/overflow_rules\/2\/to\/number: \+33170000001 is not a number tenant acme may call/)
})

t.test('rules that cannot apply, or targets a queue cannot serve, are refused with their path', async (t) => {
  const p = problems(
    tenant(
      [
        q('a', ', max_wait_seconds: 60, overflow_rules: [{ when: { waited_seconds: 60 }, to: { action: hangup } }, { when: { no_agents: true }, to: { action: callback } }]'),
        q('b', ', overflow_rules: [{ when: { closed: true }, to: { queue: b } }]'),
      ].join('\n'),
    ),
  )
  t.match(p.join('\n'), /queues\/1\/overflow_rules\/0\/to\/queue: a queue cannot overflow to itself/)
  const shape = problems(tenant(q('b', ', overflow_rules: [{ when: { waited_seconds: 5, no_agents: true }, to: { action: hangup, queue: b } }]')))
  t.match(p.join('\n'), /queues\/0\/overflow_rules\/0\/when\/waited_seconds: 60 s is not below the queue's max_wait_seconds/)
  t.match(p.join('\n'), /queues\/0\/overflow_rules\/1\/to\/action: queue "a" has no callback offer to make/)
  t.match(shape.join('\n'), /queues\/0\/overflow_rules\/0\/when: must NOT have more than 1 properties/)
  t.match(shape.join('\n'), /queues\/0\/overflow_rules\/0\/to: must NOT have more than 1 properties/)
})

const ROTA = `
    when_closed: { on_call: night }
    on_call:
      night:
        handover: { day: thu, time: "08:00" }
        starts: "2026-11-26"
        ring_seconds: 15
        technicians:
          - { id: marc, number: "+32 470 00 00 01" }
          - { id: sofie, number: "+32 470 00 00 02" }
        swaps:
          - { date: "2026-12-24", to: "2026-12-26", technician: sofie }
    ddis:
      - { number: "+32 2 555 00 01", queue: a, when_closed: { forward: "+32 2 555 09 09" } }
      - { number: "+32 2 555 00 02", queue: a }
      - { number: "+32 2 555 00 03", queue: a, when_closed: { action: voicemail } }`

t.test('out-of-hours handling per DDI, the tenant default, and on-call rotas', async (t) => {
  const c = parseConfig(tenant(q('a'), ROTA))
  const acme = c.tenants.get('acme')!
  t.same(acme.whenClosed, { kind: 'on-call', rota: 'night' })
  t.same(
    acme.ddis.map((d) => d.whenClosed),
    [{ kind: 'forward', number: '+3225550909' }, { kind: 'on-call', rota: 'night' }, { kind: 'voicemail' }],
  )
  t.match(acme.onCall.get('night'), {
    handover: { weekday: 4, minutes: 480 },
    ringSeconds: 15,
    technicians: [{ id: 'marc', name: 'marc', number: '+32470000001' }, { id: 'sofie', number: '+32470000002' }],
    swaps: [{ from: '2026-12-24', to: '2026-12-26', technician: 'sofie' }],
    fallback: 'voicemail',
  })
  t.same(c.tenants.get('other')!.ddis, [])
  t.same(c.tenants.get('other')!.whenClosed, { kind: 'message' }, 'the default: the closed message')
})

t.test('a rota or forward that cannot work is refused, all problems at once', async (t) => {
  const bad = ROTA.replace('technician: sofie', 'technician: ghost')
    .replace('"+32 470 00 00 02"', '"+44 20 7946 0000"')
    .replace('when_closed: { action: voicemail }', 'when_closed: { on_call: day }')
    .replace('starts: "2026-11-26"', 'starts: "2026-02-30"')
    .replace('time: "08:00"', 'time: "8h"')
  const p = problems(tenant(q('a'), bad)).join('\n')
  t.match(p, /\/tenants\/0\/on_call\/night\/handover\/time: must match pattern/)
  const p2 = problems(tenant(q('a'), bad.replace('time: "8h"', 'time: "08:00"'))).join('\n')
  t.match(p2, /on_call\/night\/technicians\/1\/number: \+442079460000 is not a number tenant acme may call/)
  t.match(p2, /on_call\/night\/swaps\/0\/technician: "ghost" is not a technician of rota "night"/)
  t.match(p2, /on_call\/night\/starts: not a date: "2026-02-30"/)
  t.match(p2, /ddis\/2\/when_closed\/on_call: "day" is not an on-call rota of tenant "acme"/)
})
