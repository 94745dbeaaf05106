import type { Test } from 'tap'
import { engineOn } from './engine'
import { SiteControl } from '../../src/acd/sites'

/**
 * Two sites: acme's DDI is at gosselies with mechelen as its backup (queues sales, and support
 * overflowing to sales); globex is at no site. g1, g2 work at gosselies, m1 at mechelen, x1 at no
 * site (it serves globex).
 */
export const SITES_YAML = `
sites:
  - { id: gosselies, name: Gosselies }
  - { id: mechelen, auto_down: { no_agent_seconds: 60 } }
tenants:
  - id: acme
    name: Acme
    timezone: Europe/Brussels
    pool: shared
    skills: [sales, support]
    trunks: [{ id: acme-carrier, allowed_sources: [127.0.0.9/32], max_inbound: 5, max_outbound: 2, outbound_proxy: "127.0.0.9:5060" }]
    ddis:
      - { number: "+32 71 00 00 01", queue: support, site: gosselies, backup_site: mechelen }
    queues:
      - id: sales
        skills: [{ skill: sales, min_level: 5 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        ring_timeout_seconds: 120
        max_wait_seconds: 600
        priority_rules: [{ when: { urgency: critical }, priority: 90 }]
        escalation: [{ after_seconds: 30, min_level: 2 }]
        referent_wait_seconds: 60
        callback: { offer_after_seconds: 30, max_attempts: 3, retry_seconds: { busy: 60, no-answer: 60, failed: 60 }, expire_seconds: 3600 }
      - id: support
        skills: [{ skill: support, min_level: 1 }]
        strategy: ring-all
        wrap_up_seconds: 0
        max_wait_seconds: 300
        overflow: { queue: sales }
      - id: back-office
        skills: [{ skill: support, min_level: 1 }]
        strategy: longest-idle
  - id: globex
    name: Globex
    timezone: Europe/London
    pool: shared
    skills: [help]
    queues:
      - id: help
        skills: [{ skill: help, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
agents:
  - { id: g1, site: gosselies, tenants: [acme], skills: { acme: { sales: 6, support: 3 } } }
  - { id: g2, site: gosselies, tenants: [acme], skills: { acme: { sales: 9, support: 8 } }, referent_for: { acme: [CUST-1] } }
  - { id: m1, site: mechelen, tenants: [acme], skills: { acme: { sales: 6, support: 5 } } }
  - { id: x1, tenants: [acme, globex], skills: { acme: { support: 5 }, globex: { help: 5 } } }
`

export async function sitesFixture(t: Test, yaml = SITES_YAML) {
  const { redis, server, config, clock, engine, notices } = await engineOn(t, yaml, { file: 'sites.yaml' })
  const sites = new SiteControl(redis, engine)
  return { redis, server, config, clock, engine, notices, sites }
}
