import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ha1 } from '../../src/agents/digest'

/**
 * The administration API tests' platform, kept apart from the example file (which grows with the
 * product): three tenants on one pool, gridco and voltsupply incompatible, agents shared.
 */
export function adminPlatformYaml(): string {
  const h = (user: string, tenant: string) => ha1(user, `${tenant}.acd.local`, `${user}-secret`)
  return `
platform: { max_no_answer: 3, default_region: FR }
tenants:
  - id: gridco
    name: GridCo Networks
    timezone: Europe/Paris
    language: fr
    pool: utilities
    sip_domain: gridco.acd.local
    incompatible_with: [voltsupply]
    outbound_allowed: ["+336"]
    skills: [outage, connection, billing]
    trunks:
      - { id: gridco-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 60, max_outbound: 20, outbound_proxy: "127.0.0.2:5070" }
    ddis:
      - { number: "+33 9 72 00 00 01", queue: outages }
      - { number: "+33 9 72 00 00 02", queue: connections }
      - { number: "+33 9 72 00 00 03", ivr: main }
    ivrs:
      - id: main
        prompt: welcome
        choices:
          "1": { queue: outages, set: { urgency: critical } }
          "2": { queue: connections }
        default: { queue: connections }
    queues:
      - { id: outages, name: Power outages, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle, default_priority: 20, wrap_up_seconds: 5 }
      - { id: connections, name: New connections, skills: [{ skill: connection, min_level: 1 }], strategy: ring-all }
  - id: voltsupply
    name: VoltSupply Energy
    timezone: Europe/Paris
    language: fr
    pool: utilities
    sip_domain: voltsupply.acd.local
    incompatible_with: [gridco]
    skills: [billing]
    trunks:
      - { id: voltsupply-carrier, allowed_sources: [127.0.0.3/32], max_inbound: 10, max_outbound: 0 }
    ddis:
      - { number: "+33 9 72 00 00 11", queue: billing }
    queues:
      - { id: billing, skills: [{ skill: billing, min_level: 1 }], strategy: longest-idle }
  - id: homeserve
    name: HomeServe Repairs
    timezone: Europe/London
    language: en
    pool: utilities
    sip_domain: homeserve.acd.local
    skills: [plumbing, heating]
    trunks:
      - { id: homeserve-pbx, allowed_sources: [127.0.0.4/32], max_inbound: 30, max_outbound: 10 }
    ddis:
      - { number: "+44 20 7946 0000", queue: repairs }
    queues:
      - { id: repairs, skills: [{ skill: plumbing, min_level: 1 }], strategy: ring-all }
agents:
  - { id: alice, name: Alice Martin, sip_username: alice, tenants: [gridco, homeserve], skills: { gridco: { outage: 4, connection: 6 }, homeserve: { plumbing: 7, heating: 5 } }, ha1: { gridco: ${h('alice', 'gridco')}, homeserve: ${h('alice', 'homeserve')} } }
  - { id: bruno, name: Bruno Lefèvre, sip_username: bruno, tenants: [gridco, voltsupply], skills: { gridco: { outage: 8 }, voltsupply: { billing: 7 } }, referent_for: { gridco: [HOSP-0042] }, ha1: { gridco: ${h('bruno', 'gridco')}, voltsupply: ${h('bruno', 'voltsupply')} } }
  - { id: chloe, name: Chloé Dubois, sip_username: chloe, tenants: [voltsupply, homeserve], skills: { voltsupply: { billing: 9 }, homeserve: { plumbing: 3 } }, ha1: { voltsupply: ${h('chloe', 'voltsupply')}, homeserve: ${h('chloe', 'homeserve')} } }
  - { id: damien, name: Damien Roux, sip_username: damien, tenants: [gridco], skills: { gridco: { outage: 6, connection: 3 } }, ha1: { gridco: ${h('damien', 'gridco')} } }
  - { id: emma, name: Emma Petit, sip_username: emma, tenants: [voltsupply], skills: { voltsupply: { billing: 5 } }, ha1: { voltsupply: ${h('emma', 'voltsupply')} } }
`
}

/** The platform written to a file of its own (the bootstrap file of a test). */
export function adminPlatformFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'admin-platform-')), 'platform.yaml')
  writeFileSync(file, adminPlatformYaml())
  return file
}
