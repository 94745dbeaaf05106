import t from 'tap'
import { parseConfig } from '../../src/config/load'
import { runIvr, type IvrPort } from '../../src/ivr/runner'

const yaml = `
tenants:
  - id: gridco
    name: GridCo
    timezone: Europe/Paris
    skills: [outage, billing]
    queues:
      - { id: outages, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle }
      - { id: billing, skills: [{ skill: billing, min_level: 1 }], strategy: longest-idle }
    ivrs:
      - id: main
        prompt: welcome
        max_tries: 2
        choices:
          "1": { queue: outages, set: { urgency: critical }, priority: 90 }
          "2": { menu: accounts }
          "0": { action: voicemail }
        default: { queue: billing }
      - id: accounts
        prompt: accounts-menu
        choices:
          "1": { queue: billing, collect: { attribute: customer, prompt: enter-customer-number, min_digits: 6, max_digits: 8 } }
          "9": { menu: main }
        default: { action: hangup }
    ddis:
      - { number: "+33972000001", ivr: main }
`
const tenant = parseConfig(yaml).tenants.get('gridco')!

/** A caller pressing keys from a script: each collect takes the next answer. */
function caller(answers: string[]): IvrPort & { heard: string[] } {
  const heard: string[] = []
  return {
    heard,
    async collect(prompt) {
      heard.push(prompt)
      return answers.shift() ?? ''
    },
    async play(prompt) {
      heard.push(prompt)
    },
  }
}

t.test('a key leads to a queue and sets attributes and priority', async (t) => {
  const c = caller(['1'])
  const o = await runIvr(tenant, 'main', c)
  t.match(o, { kind: 'queue', queue: 'outages', priority: 90, attributes: { urgency: 'critical', ivr: 'main:1' } })
  t.same(c.heard, ['welcome'])
})

t.test('sub-menu, digit collection for the referent lookup, and the trail of choices', async (t) => {
  const c = caller(['2', '1', '12345678'])
  const o = await runIvr(tenant, 'main', c)
  t.match(o, { kind: 'queue', queue: 'billing', attributes: { customer: '12345678', ivr: 'main:2>accounts:1>accounts:#' } })
  t.same(o.trail.map((s) => s.result), ['choice', 'choice', 'collected'])
  t.same(c.heard, ['welcome', 'accounts-menu', 'enter-customer-number'])
})

t.test('invalid keys and timeouts are retried, then the default applies', async (t) => {
  const c = caller(['7', ''])
  const o = await runIvr(tenant, 'main', c)
  t.match(o, { kind: 'queue', queue: 'billing' })
  t.same(o.trail.map((s) => `${s.input}:${s.result}`), ['7:invalid', ':timeout', ':default'])
  t.same(c.heard, ['welcome', 'invalid', 'welcome'], 'the invalid-key prompt, then the menu again')
})

t.test('too few digits are not taken as a customer number', async (t) => {
  const o = await runIvr(tenant, 'main', caller(['2', '1', '123']))
  t.equal(o.attributes['customer'], undefined)
  t.equal(o.trail.at(-1)?.result, 'not-collected')
})

t.test('actions end the menu: voicemail, and a default hang-up', async (t) => {
  t.match(await runIvr(tenant, 'main', caller(['0'])), { kind: 'voicemail' })
  t.match(await runIvr(tenant, 'main', caller(['2', '', '', ''])), { kind: 'hangup' })
})

t.test('a caller going round in menus forever ends on the default', async (t) => {
  const o = await runIvr(tenant, 'main', caller(Array.from({ length: 200 }, (_, i) => (i % 2 ? '9' : '2'))))
  t.ok(o.trail.length <= 42)
  t.equal(o.trail.at(-1)?.result, 'default')
})

t.test('configuration errors in menus are reported with their path', async (t) => {
  const bad = yaml.replace('"2": { menu: accounts }', '"2": { menu: nowhere }').replace('"0": { action: voicemail }', '"0": { queue: sales, action: voicemail }')
  const err = t.throws(() => parseConfig(bad, 'ivr.yaml')) as unknown as { problems: unknown[] }
  t.match(err.problems, [
      { path: '/tenants/0/ivrs/0/choices/0', reason: 'a choice leads to exactly one of queue, menu or action' },
      { path: '/tenants/0/ivrs/0/choices/0/queue', reason: 'queue "sales" is not a queue of tenant "gridco"' },
      { path: '/tenants/0/ivrs/0/choices/2/menu', reason: 'menu "nowhere" is not a menu of tenant "gridco"' },
  ])
})
