// The drill report's figures against a hand-computed case on the injected clock.
import t from 'tap'
import { routeForSites } from '../../src/routing/sites'
import { drillReport, drillText } from '../../src/sites/drill-report'
import { parseDrillArgs } from '../../src/sites/drill'
import { sitesFixture } from '../helpers/sites'

t.test('rerouted, moved, moved back, answered on the backup, time to reroute, lost, still up', async (t) => {
  const { engine, clock, sites, redis, config } = await sitesFixture(t)
  const ended = (call: string, queue: string, outcome: 'answered' | 'abandoned' | 'failed') =>
    engine.record('acme', { type: 'call_ended', call, queue, outcome, reason: outcome, ended_by: 'caller' })
  // a newcomer goes where routing says, with its reroute in the history (what the call flow does)
  const arrive = async (call: string) => {
    const d = routeForSites(config, engine.sites, 'acme', 'sales')
    if (d.rerouted) await engine.record('acme', { type: 'site_rerouted', call, queue: 'sales', target: d.queue, site: d.rerouted.site, state: d.rerouted.state })
    await engine.enqueue({ tenant: 'acme', queue: d.queue, callId: call })
  }
  await engine.login('g1')
  await engine.login('m1')
  await engine.logout('m1')
  await arrive('p1')
  await engine.answer('acme', 'p1', 'g1')
  await arrive('w1')
  await arrive('w2')
  clock.advance(10_000)
  const downAt = clock.now()
  await sites.switch('gosselies', 'down', 'drill')
  await engine.login('m1') // takes w1 (first in line) at once
  clock.advance(3000)
  await engine.answer('acme', 'w1', 'm1') // first answer on the backup: 3 s after the down
  await engine.pause('m1', 'break') // after this call
  clock.advance(1000)
  await arrive('r1')
  clock.advance(1000)
  await engine.abandon('acme', 'w2')
  await ended('w2', 'sales@mechelen', 'abandoned') // the caller's choice: not lost
  clock.advance(1000)
  await engine.abandon('acme', 'r1')
  await ended('r1', 'sales@mechelen', 'failed') // lost by the platform
  clock.advance(1000)
  await arrive('r2')
  clock.advance(1000)
  await engine.complete('acme', 'p1')
  await ended('p1', 'sales', 'answered')
  clock.advance(1000)
  await engine.complete('acme', 'w1')
  await ended('w1', 'sales@mechelen', 'answered')
  clock.advance(1000)
  const upAt = clock.now()
  await sites.switch('gosselies', 'up', 'drill') // r2 goes home
  clock.advance(5000)
  const report = await drillReport(redis, config, 'gosselies', { downAt, upAt, endAt: clock.now() })
  t.same(report.tenants, [
    { tenant: 'acme', rerouted: 2, moved: 2, movedBack: 1, answeredOnBackup: 1, timeToRerouteMs: 3000, lost: 1, stillUp: 1, calls: 5 },
  ], 'globex has nothing at the site: not in the report')
  t.equal(report.lost, 1)
  t.match(drillText(report), /acme \| 5 \| 2 \| 2 \| 1 \| 1 \| 3\.0 s \| 1 \| 1\ncalls lost: 1 \(the drill fails\)/)
})

t.test('drill options: one duration, a site, report files', async (t) => {
  const o = parseDrillArgs(['--site', 'gosselies', '--minutes', '5'], new Date('2026-03-01T10:00:00Z'))
  t.same(o, { site: 'gosselies', durationMs: 300_000, settleMs: 10_000, json: 'var/drills/drill-gosselies-2026-03-01T10-00-00-000Z.json', text: 'var/drills/drill-gosselies-2026-03-01T10-00-00-000Z.txt' })
  t.equal(parseDrillArgs(['--site', 's', '--seconds', '20', '--json', '/tmp/r.json']).json, '/tmp/r.json')
  t.throws(() => parseDrillArgs(['--minutes', '5', '--seconds', '2']), /--site is needed; give one of --minutes or --seconds/)
  t.throws(() => parseDrillArgs(['--site', 's', '--seconds', '-1']), /--seconds must be a positive number/)
})
