// Sites in the configuration: every problem reported with file, path and reason, nothing applied.
import t from 'tap'
import { ConfigError } from '../../src/config/errors'
import { parseConfig } from '../../src/config/load'
import { SITES_YAML } from '../helpers/sites'

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'sites.yaml')
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.file}: ${p.path}: ${p.reason}`)
    throw err
  }
  return []
}

t.test('the fixture loads', async (t) => {
  t.same(problems(SITES_YAML), [])
})

t.test('bad sites are refused with every problem pointed at', async (t) => {
  const bad = SITES_YAML.replace('- { id: mechelen, auto_down: { no_agent_seconds: 60 } }', '- { id: mechelen }\n  - { id: mechelen }')
    .replace('{ number: "+32 71 00 00 01", queue: support, site: gosselies, backup_site: mechelen }', `{ number: "+32 71 00 00 01", queue: support, site: gosselies, backup_site: gosselies }
      - { number: "+32 71 00 00 02", queue: sales, site: mechelen }
      - { number: "+32 71 00 00 03", queue: back-office, backup_site: mechelen }
      - { number: "+32 71 00 00 04", queue: back-office, site: antwerp, backup_site: ghent }`)
    .replace('{ id: g1, site: gosselies,', '{ id: g1, site: namur,')
  t.same(problems(bad), [
    'sites.yaml: /sites/2/id: duplicate site id "mechelen"',
    'sites.yaml: /agents/0/site: unknown site "namur" (the sites are: gosselies, mechelen)',
    'sites.yaml: /tenants/0/ddis/0/backup_site: the backup site is the DDI\'s own site "gosselies"',
    'sites.yaml: /tenants/0/ddis/1/site: queue "sales" it leads to is at site "gosselies" by DDI +3271000001 (/tenants/0/ddis/0): a queue is at one site',
    'sites.yaml: /tenants/0/ddis/2/backup_site: a backup site needs the site of the primary entry (site:)',
    'sites.yaml: /tenants/0/ddis/3/site: unknown site "antwerp" (the sites are: gosselies, mechelen)',
    'sites.yaml: /tenants/0/ddis/3/backup_site: unknown site "ghent" (the sites are: gosselies, mechelen)',
  ])
})

t.test('a backup site nobody there can serve, and a queue with two backups, are refused', async (t) => {
  const unserved = SITES_YAML.replace('{ id: m1, site: mechelen, tenants: [acme], skills: { acme: { sales: 6, support: 5 } } }', '{ id: m1, site: mechelen, tenants: [acme], skills: { acme: { sales: 1, support: 5 } } }')
  t.same(problems(unserved), [
    'sites.yaml: /tenants/0/queues/0: no agent of backup site "mechelen" can take queue "sales" (skills sales>=5): its callers would wait there for ever when site "gosselies" is down',
  ])
  const twoBackups = SITES_YAML.replace('  - { id: mechelen, auto_down: { no_agent_seconds: 60 } }', '  - { id: mechelen, auto_down: { no_agent_seconds: 60 } }\n  - { id: liege }').replace(
    '{ number: "+32 71 00 00 01", queue: support, site: gosselies, backup_site: mechelen }',
    '{ number: "+32 71 00 00 01", queue: support, site: gosselies, backup_site: mechelen }\n      - { number: "+32 71 00 00 02", queue: sales, site: gosselies, backup_site: liege }',
  )
  t.same(problems(twoBackups), [
    'sites.yaml: /tenants/0/ddis/1/backup_site: queue "sales" it leads to already has backup site "mechelen" by DDI +3271000001 (/tenants/0/ddis/0): a queue has one backup site',
  ])
  const shape = SITES_YAML.replace('auto_down: { no_agent_seconds: 60 }', 'auto_down: { no_agent_seconds: 1, after: 3 }')
  t.same(problems(shape), ['sites.yaml: /sites/1/auto_down: unknown field "after"', 'sites.yaml: /sites/1/auto_down/no_agent_seconds: must be >= 2'])
})

t.test('an IVR leads the backup to the same menus: every queue it reaches has its copy', async (t) => {
  const ivr = SITES_YAML.replace('{ number: "+32 71 00 00 01", queue: support, site: gosselies, backup_site: mechelen }', '{ number: "+32 71 00 00 01", ivr: main, site: gosselies, backup_site: mechelen }').replace(
    '    queues:\n      - id: sales',
    '    ivrs:\n      - { id: main, prompt: welcome, choices: { "1": { queue: support }, "2": { menu: more } }, default: { queue: support } }\n      - { id: more, prompt: welcome, choices: { "1": { queue: back-office } }, default: { action: hangup } }\n    queues:\n      - id: sales',
  )
  const c = parseConfig(ivr.replace('{ id: m1, site: mechelen, tenants: [acme], skills: { acme: { sales: 6, support: 5 } } }', '{ id: m1, site: mechelen, tenants: [acme], skills: { acme: { sales: 6, support: 5 } } }'), 'sites.yaml')
  const ids = c.tenants.get('acme')!.queues.map((q) => `${q.id}:${q.site ?? '-'}`)
  t.same(ids, ['sales:gosselies', 'support:gosselies', 'back-office:gosselies', 'sales@mechelen:mechelen', 'support@mechelen:mechelen', 'back-office@mechelen:mechelen'], 'through the sub-menu too')
})

t.test('an overflow rule to the backup site: the copy has none of its own; refused where there is no copy', async (t) => {
  const rule = (queue: string) => SITES_YAML.replace(`      - id: ${queue}\n`, `      - id: ${queue}\n        overflow_rules: [{ when: { waiting_at_least: 3 }, to: { backup_site: true } }]\n`)
  const c = parseConfig(rule('sales'), 'sites.yaml')
  const queues = c.tenants.get('acme')!.queues
  t.equal(queues.find((q) => q.id === 'sales')!.backup, 'sales@mechelen')
  t.same(queues.find((q) => q.id === 'sales@mechelen')!.overflowRules, [], 'the copy has no backup of its own')
  t.same(problems(rule('back-office')), ['sites.yaml: /tenants/0/queues/2/overflow_rules/0/to/backup_site: queue "back-office" has no backup site: no DDI with a backup_site leads to it'])
})

t.test('a queue an overflow rule leads to is at the site of the DDI, with its copy', async (t) => {
  const yaml = SITES_YAML.replace('      - id: support\n', '      - id: support\n        overflow_rules: [{ when: { waiting_at_least: 3 }, to: { queue: back-office } }]\n')
  const c = parseConfig(yaml, 'sites.yaml')
  const queues = c.tenants.get('acme')!.queues
  t.match(queues.find((q) => q.id === 'back-office'), { site: 'gosselies', backup: 'back-office@mechelen' })
  t.match(queues.find((q) => q.id === 'support@mechelen')!.overflowRules, [{ to: { kind: 'queue', queue: 'back-office@mechelen' } }], "the copy's rule leads to the copy")
})
