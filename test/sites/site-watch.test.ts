// The service's site watch, on the injected clock: it follows the states written elsewhere (the
// site command), sweeps a site down, says when a drain is over, declares a site down on its own,
// and follows a drain asked of its instance.
import t from 'tap'
import { SiteControl } from '../../src/acd/sites'
import { SiteWatch } from '../../src/service/site-watch'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { Metrics } from '../../src/telemetry/metrics'
import { readHistory } from '../../src/events/history'
import { SITES_YAML, sitesFixture } from '../helpers/sites'

function recordingLog() {
  const lines: Array<{ msg: string; [k: string]: unknown }> = []
  const log = {
    info: (o: object, msg?: string) => void lines.push({ ...o, msg: msg ?? '' }),
    warn: (o: object, msg?: string) => void lines.push({ ...o, msg: msg ?? '' }),
    error: () => undefined,
    debug: () => undefined,
    child: () => log,
  }
  return { log: log as never, lines }
}

t.test('the watch follows the site command: sweeps, drained, automatic down, instance drain', async (t) => {
  const { engine, clock, redis, config } = await sitesFixture(t)
  const { log, lines } = recordingLog()
  const drains: boolean[] = []
  const metrics = new Metrics()
  const watch = new SiteWatch(engine, 'mechelen', { drainAsked: (a) => void drains.push(a) }, log, metrics)
  const gauge = async (site: string) => (await metrics.siteState.get()).values.filter((v) => v.labels.site === site && v.value === 1).map((v) => v.labels.state)
  // the site command runs elsewhere, with its own engine
  const cli = new SiteControl(redis, new AcdEngine(redis, config, { instanceId: 'cli', clock }))
  await watch.poll()
  t.equal(engine.sites.stateOf('shared', 'gosselies').state, 'up')

  await cli.switch('gosselies', 'down', 'manual')
  await watch.poll()
  t.equal(engine.sites.stateOf('shared', 'gosselies').state, 'down', 'the instance sees the site down')
  t.ok(lines.some((l) => l.msg === 'site gosselies is down'), 'and says so')
  t.same(await gauge('gosselies'), ['down'], 'acd_site_state{site="gosselies",state="down"} 1')
  t.same(await gauge('mechelen'), ['up'])
  // a call that reached the site's queue anyway is moved by the next sweep
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'late' })
  await watch.poll()
  t.match(await engine.callState('acme', 'late'), { queue: 'sales@mechelen' })

  await cli.switch('gosselies', 'up', 'manual')
  await cli.switch('gosselies', 'drain', 'maintenance')
  await watch.poll()
  t.equal(engine.sites.stateOf('shared', 'gosselies').state, 'draining', 'a call waits at the site (back home with the up)')
  await engine.abandon('acme', 'late')
  await watch.poll()
  t.equal(engine.sites.stateOf('shared', 'gosselies').state, 'drained', 'nothing in progress: drained')
  t.equal(lines.filter((l) => l.msg === 'site gosselies drained: no call left at the site').length, 1)
  await watch.poll()
  t.equal(lines.filter((l) => l.msg === 'site gosselies drained: no call left at the site').length, 1, 'said once')

  // mechelen has auto_down no_agent_seconds 60: nobody of mechelen logs in
  await watch.poll()
  clock.advance(61_000)
  await watch.poll()
  t.equal(engine.sites.stateOf('shared', 'mechelen').state, 'down', 'declared down by itself')
  t.match(engine.sites.stateOf('shared', 'mechelen'), { reason: 'auto-no-agent' })
  t.equal(await redis.hget(keys.sites('shared'), 'mechelen|inst'), String(clock.now()), 'this instance marks its own site alive')

  await cli.askDrain('test', true)
  await watch.poll()
  await cli.askDrain('test', false)
  await watch.poll()
  t.same(drains.slice(-2), [true, false], 'the drain asked of this instance, then lifted')
})

t.test('auto down on no live instance: the watch of the site that is left declares the silent one down, once', async (t) => {
  const yaml = SITES_YAML.replace('  - { id: gosselies, name: Gosselies }', '  - { id: gosselies, name: Gosselies, auto_down: { no_instance_seconds: 5 } }')
  const { engine, clock, redis, config } = await sitesFixture(t, yaml)
  const { log, lines } = recordingLog()
  const here = new SiteWatch(engine, 'gosselies', { drainAsked: () => undefined }, log)
  const other = new SiteWatch(new AcdEngine(redis, config, { instanceId: 'other', clock }), 'mechelen', { drainAsked: () => undefined }, recordingLog().log)
  await engine.login('g1')
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'w1' })
  t.equal((await engine.agentState('g1')).state, 'reserved')
  for (let i = 0; i < 10; i++) {
    clock.advance(1000)
    await here.poll()
    await other.poll()
  }
  t.equal(engine.sites.stateOf('shared', 'gosselies').state, 'up', 'alive while its instance marks it')
  // the instance of gosselies stops: the other instance sees nothing of it for 5 s
  for (let i = 0; i < 6; i++) {
    clock.advance(1000)
    await other.poll()
  }
  const state = (await new SiteControl(redis, engine).read()).get('shared')!.get('gosselies')!
  t.match(state, { state: 'down', reason: 'auto-no-instance' })
  t.match(await engine.callState('acme', 'w1'), { state: 'waiting', queue: 'sales@mechelen' }, 'its ringing call moved to the backup')
  const switched = await readHistory(redis, 'shared', 'acme', { types: ['site_switched'] })
  t.same(switched.map((e) => [e.site, e.state, e.reason]), [['gosselies', 'down', 'auto-no-instance']], 'told once')
  t.same(lines, [], 'the silent instance said nothing')
})
