// The probes' configuration: every problem reported with its file, path and reason, all at once,
// and nothing taken from a refused file.
import t from 'tap'
import { parseConfig } from '../../src/config/load'
import { ConfigError } from '../../src/config/errors'
import { probeAgentId } from '../../src/config/probes'

const yaml = (probes: string, platform = '') => `
platform: { default_region: FR ${platform} }
tenants:
  - id: gridco
    name: GridCo
    timezone: Europe/Paris
    pool: p
    skills: [outage]
    trunks: [{ id: gridco-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 5, max_outbound: 0 }]
    ddis: [{ number: "+33972000003", ivr: main }, { number: "+33972000001", queue: outages }]
    ivrs:
      - id: main
        prompt: welcome
        choices:
          "1": { queue: outages }
          "2": { queue: connections, collect: { attribute: customer, prompt: enter-customer-number, min_digits: 6, max_digits: 8 } }
          "3": { menu: more }
          "0": { action: voicemail }
        default: { queue: connections }
      - id: more
        prompt: welcome
        choices: { "4": { queue: connections } }
        default: { action: hangup }
    queues:
      - { id: outages, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle }
      - { id: connections, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle }
    probes:
${probes}
  - id: voltsupply
    name: VoltSupply
    timezone: Europe/Paris
    pool: p
    skills: [billing]
    trunks: [{ id: volt-carrier, allowed_sources: [127.0.0.3/32], max_inbound: 5, max_outbound: 0 }]
    ddis: [{ number: "+33972000011", queue: billing }]
    queues:
      - { id: billing, skills: [{ skill: billing, min_level: 1 }], strategy: longest-idle }
`

const problems = (text: string) => {
  try {
    parseConfig(text, 'probes.yaml')
    return []
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    return err.problems.map((p) => `${p.file}: ${p.path}: ${p.reason}`)
  }
}

t.test('valid probes: through the IVR, a sub-menu, digit collection, straight to a queue', async (t) => {
  const config = parseConfig(
    yaml(`      - { id: a, ddi: "+33 9 72 00 00 03", digits: "1", queue: outages, every_seconds: 60, timeout_seconds: 20 }
      - { id: b, ddi: "+33972000003", digits: "34", queue: connections }
      - { id: c, ddi: "+33972000003", digits: "2123456#", queue: connections }
      - { id: d, ddi: "+33972000001", queue: outages, trunk: gridco-carrier }
      - { id: e, ddi: "+33972000003", queue: connections }`),
    'probes.yaml',
  )
  t.same(config.probes?.probes.map((p) => [p.id, p.ddi, p.digits, p.queue, p.trunk, p.everySeconds, p.timeoutSeconds]), [
    ['a', '+33972000003', '1', 'outages', 'gridco-carrier', 60, 20],
    ['b', '+33972000003', '34', 'connections', 'gridco-carrier', 60, 20],
    ['c', '+33972000003', '2123456#', 'connections', 'gridco-carrier', 60, 20],
    ['d', '+33972000001', '', 'outages', 'gridco-carrier', 60, 20],
    ['e', '+33972000003', '', 'connections', 'gridco-carrier', 60, 20],
  ])
  t.same(config.probes?.sources, ['127.0.0.1/32'], 'probes come from loopback unless said otherwise')
  t.match(config.agents.get(probeAgentId('gridco', 'a')), { tenants: ['gridco'], probe: { tenant: 'gridco', probe: 'a' }, ha1: {} })
})

t.test('every problem of the probes at once, each with its path', async (t) => {
  const found = problems(
    yaml(`      - { id: a, ddi: "+33972000003", digits: "7", queue: outages }
      - { id: b, ddi: "+33972000003", digits: "1", queue: connections }
      - { id: c, ddi: "+33972000011", queue: billing }
      - { id: d, ddi: "+33972000003", digits: "1", queue: nowhere }
      - { id: e, ddi: "+33972000001", digits: "1", queue: outages }
      - { id: f, ddi: "+33972000003", digits: "0", queue: outages }
      - { id: g, ddi: "+33972000003", digits: "212#", queue: connections }
      - { id: h, ddi: "+33972000001", queue: outages, trunk: volt-carrier, every_seconds: 10, timeout_seconds: 10 }
      - { id: h, ddi: "+33 1 23", queue: outages }
      - { id: i, ddi: "+33972000003", digits: "3", queue: connections }`),
  )
  t.same(found, [
    'probes.yaml: /tenants/0/probes/0/digits: key "7" is not a choice of menu "main" (choices: 0, 1, 2, 3)',
    'probes.yaml: /tenants/0/probes/1/digits: the keys "1" lead to queue "outages", not "connections"',
    'probes.yaml: /tenants/0/probes/2/ddi: +33972000011 is a DDI of tenant "voltsupply", not of "gridco"',
    'probes.yaml: /tenants/0/probes/2/queue: queue "billing" is not a queue of tenant "gridco"',
    'probes.yaml: /tenants/0/probes/3/queue: queue "nowhere" is not a queue of tenant "gridco"',
    'probes.yaml: /tenants/0/probes/4/digits: the DDI leads straight to queue "outages": no keys are needed',
    'probes.yaml: /tenants/0/probes/5/digits: the keys end at menu "main" in action "voicemail", not a queue',
    'probes.yaml: /tenants/0/probes/6/digits: queue "connections" is reached after 6..8 digits of "customer" (then #), the keys leave "12#"',
    'probes.yaml: /tenants/0/probes/7/trunk: trunk "volt-carrier" is not a trunk of tenant "gridco"',
    'probes.yaml: /tenants/0/probes/7/timeout_seconds: the time-out (10 s) must be shorter than the period (every_seconds: 10)',
    'probes.yaml: /tenants/0/probes/8/id: duplicate probe id "h" in tenant "gridco"',
    'probes.yaml: /tenants/0/probes/8/ddi: not a valid phone number: "+33 1 23"',
    'probes.yaml: /tenants/0/probes/9/digits: the keys end at menu "more" in action "hangup", not a queue',
  ])
})

t.test("no trunk may share the probes' sources", async (t) => {
  t.same(problems(yaml(`      - { id: a, ddi: "+33972000001", queue: outages }`, ', probe_sources: ["127.0.0.0/29"]')), [
    'probes.yaml: /tenants/0/trunks/0/allowed_sources/0: "127.0.0.2/32" overlaps the probes\' sources (platform.probe_sources: 127.0.0.0/29): a trunk may not share them',
    'probes.yaml: /tenants/1/trunks/0/allowed_sources/0: "127.0.0.3/32" overlaps the probes\' sources (platform.probe_sources: 127.0.0.0/29): a trunk may not share them',
  ])
  t.match(problems(yaml(`      - { id: a, ddi: "+33972000001", queue: outages }`, ', probe_sources: ["10.0.0.300"]')), ['probes.yaml: /platform/probe_sources/0: not an IP address or CIDR range: "10.0.0.300"'])
  t.match(problems(yaml(`      - { id: a, ddi: "+33972000001", queue: outages, when: now }`)), [/\/tenants\/0\/probes\/0: unknown field "when"/])
})
