// The call flow's site step: a new call for a queue whose site is not up goes to the backup copy,
// with its reroute in the history; a moved call follows its queue.
import t from 'tap'
import { Call } from '../../src/call/call'
import { movedWithSite, routeToSite } from '../../src/call/steps/site-route'
import { parseConfig } from '../../src/config/load'
import { SiteView } from '../../src/routing/sites'
import { silentLogger } from '../../src/telemetry/logger'
import { fakeEngine } from '../helpers/call-fakes'
import { SITES_YAML } from '../helpers/sites'

const config = parseConfig(SITES_YAML, 'sites.yaml')

function setup(state: 'up' | 'down' | 'draining', backup: 'up' | 'down' = 'up') {
  const fake = fakeEngine(config)
  const sites = new SiteView()
  sites.set('shared', new Map([['gosselies', { state, since: 1, reason: 'manual' }], ['mechelen', { state: backup, since: 1, reason: 'manual' }]]))
  Object.assign(fake.engine, { sites })
  const call = new Call(config.tenants.get('acme')!, { id: 'k1', queue: 'support', presented: '+3271000001' })
  return { ...fake, call }
}

t.test('site up: the call stays; down or draining: to the copy, told in the history', async (t) => {
  const up = setup('up')
  await routeToSite(up, up.call, silentLogger)
  t.equal(up.call.queue, 'support')
  t.same(up.events, [])
  for (const state of ['down', 'draining'] as const) {
    const s = setup(state)
    await routeToSite(s, s.call, silentLogger)
    t.equal(s.call.queue, 'support@mechelen')
    t.equal(s.call.queueConfig()?.strategy, 'ring-all', 'the same behaviour')
    t.same(s.events, [{ tenant: 'acme', type: 'site_rerouted', fields: { call: 'k1', queue: 'support', target: 'support@mechelen', site: 'gosselies', state } }])
  }
  const both = setup('down', 'down')
  await routeToSite(both, both.call, silentLogger)
  t.equal(both.call.queue, 'support', 'the backup is down too: the call waits at home')
})

t.test('a moved call follows its queue', async (t) => {
  const { call } = setup('up')
  movedWithSite(call, { type: 'moved', tenant: 'acme', call: 'k1', queue: 'support', target: 'support@mechelen', site: 'gosselies' })
  t.equal(call.queue, 'support@mechelen')
  movedWithSite(call, { type: 'moved', tenant: 'acme', call: 'k1', queue: 'sales', target: 'sales@mechelen', site: 'gosselies' })
  t.equal(call.queue, 'support@mechelen', 'a notice about another queue (stale) changes nothing')
})
