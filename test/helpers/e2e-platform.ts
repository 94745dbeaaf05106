import { DateTime } from 'luxon'
import { ha1 } from '../../src/agents/digest'

/** Platform for the end-to-end tests: two incompatible tenants on loopback trunks, short timers. */
export function e2ePlatform(opts: { maxInbound?: number; ringTimeout?: number; wrapUp?: number; outboundProxy?: string } = {}): string {
  const h = (user: string, tenant: string) => ha1(user, `${tenant}.acd.local`, `${user}-secret`)
  // today and tomorrow in Paris are a holiday of the \`holiday\` calendar (a run may cross midnight)
  const today = DateTime.now().setZone('Europe/Paris')
  return `
platform: { max_no_answer: 3, default_region: FR }
tenants:
  - id: gridco
    name: GridCo
    timezone: Europe/Paris
    pool: e2e
    sip_domain: gridco.acd.local
    incompatible_with: [voltsupply]
    outbound_allowed: ["+336"]
    skills: [outage]
    calendars:
      shut: { hours: {} }
      holiday:
        hours: { mon-sun: ["00:00-24:00"] }
        dates: [{ date: "${today.toISODate()}", name: founders-day }, { date: "${today.plus({ days: 1 }).toISODate()}", name: founders-day }]
    on_call:
      night:
        handover: { day: thu, time: "08:00" }
        starts: "2026-11-26"
        ring_seconds: 5
        technicians:
          - { id: marc, number: "+33 6 11 00 00 01" }
          - { id: sofie, number: "+33 6 11 00 00 02" }
    trunks:
      - { id: gridco-carrier, allowed_sources: [127.0.0.2/32], max_inbound: ${opts.maxInbound ?? 20}, max_outbound: 5, outbound_proxy: "${opts.outboundProxy ?? '127.0.0.2:5999'}" }
    ddis:
      - { number: "+33972000001", queue: outages }
      - { number: "+33972000002", queue: second }
      - { number: "+33972000003", ivr: main }
      - { number: "+33972000004", ivr: after-hours }
      - { number: "+33972000005", queue: callbacks }
      - { number: "+33972000006", queue: streamed }
      - { number: "+33972000007", queue: closed-vm }
      - { number: "+33972000008", queue: closed-msg }
      - { number: "+33972000009", queue: overflowing }
      - { number: "+33972000021", queue: outages, calendar: shut, when_closed: { action: message } }
      - { number: "+33972000022", queue: outages, calendar: holiday, when_closed: { action: voicemail } }
      - { number: "+33972000023", queue: outages, calendar: shut, when_closed: { on_call: night } }
    ivrs:
      - id: after-hours
        prompt: "tone_stream://%(500,0,440)"
        timeout_seconds: 1
        max_tries: 1
        choices:
          "1": { queue: outages }
        default: { action: voicemail }
      - id: main
        prompt: "tone_stream://%(2000,500,440)"
        timeout_seconds: 2
        max_tries: 2
        invalid_prompt: "tone_stream://%(300,100,620)"
        choices:
          "1": { queue: outages, set: { urgency: critical }, priority: 90 }
        default: { queue: second }
    queues:
      - { id: outages, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle, ring_timeout_seconds: ${opts.ringTimeout ?? 2}, wrap_up_seconds: ${opts.wrapUp ?? 1}, max_wait_seconds: 120 }
      - { id: closed-vm, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle, closed: true, when_closed: voicemail }
      - { id: closed-msg, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle, closed: true }
      - { id: overflowing, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle, overflow_rules: [{ when: { waited_seconds: 2 }, to: { queue: outages } }] }
      - { id: streamed, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle, hold_music: "local_stream://default" }
      - id: callbacks
        skills: [{ skill: outage, min_level: 1 }]
        strategy: longest-idle
        ring_timeout_seconds: 3
        wrap_up_seconds: 0
        callback: { offer_after_seconds: 1, ask_number: true, ring_seconds: 4, max_attempts: 2, retry_seconds: { busy: 1, no-answer: 1, failed: 1 }, expire_seconds: 60 }
      - { id: second, skills: [{ skill: outage, min_level: 1 }], strategy: ring-all, ring_timeout_seconds: ${opts.ringTimeout ?? 2}, wrap_up_seconds: 0, announce_seconds: 2 }
  - id: voltsupply
    name: VoltSupply
    timezone: Europe/Paris
    pool: e2e
    sip_domain: voltsupply.acd.local
    skills: [billing]
    trunks:
      - { id: volt-carrier, allowed_sources: [127.0.0.3/32], max_inbound: 5, max_outbound: 0 }
    ddis:
      - { number: "+33972000011", queue: billing }
    queues:
      - { id: billing, skills: [{ skill: billing, min_level: 1 }], strategy: longest-idle, ring_timeout_seconds: 2, wrap_up_seconds: 0 }
agents:
  - { id: alice, sip_username: alice, tenants: [gridco], skills: { gridco: { outage: 5 } }, ha1: { gridco: ${h('alice', 'gridco')} } }
  - { id: bruno, sip_username: bruno, tenants: [gridco, voltsupply], skills: { gridco: { outage: 5 }, voltsupply: { billing: 5 } }, ha1: { gridco: ${h('bruno', 'gridco')}, voltsupply: ${h('bruno', 'voltsupply')} } }
  - { id: remi, sip_username: remi, tenants: [gridco], skills: { gridco: { outage: 5 } }, external_number: "+33 6 98 76 54 32" }
  - { id: emma, sip_username: emma, tenants: [voltsupply], skills: { voltsupply: { billing: 5 } }, ha1: { voltsupply: ${h('emma', 'voltsupply')} } }
`
}
