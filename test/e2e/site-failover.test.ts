// A site failover during live traffic on the real stack: redis-server, drachtio-server, FreeSWITCH,
// the service and SIPp. Callers arrive at a steady rate on a DDI of site gosselies (backup:
// mechelen) while a drill (`npm run drill`, its own process) takes gosselies down — its two agents
// are ringing then, calls are waiting — and brings it back. Every call is answered by an agent of a
// site that is up, once; none is lost; the channels, agents and calls come back to zero. Then the
// instance is drained through Redis (`npm run site -- drain-instance`): 503 for new calls, drained in
// /health, and it takes calls again when the drain is lifted.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { SiteControl } from '../../src/acd/sites'
import { Registrar } from '../../src/agents/registrar'
import { runLoad } from '../../src/bench/sipp-load'
import { parseConfig } from '../../src/config/load'
import { readHistory } from '../../src/events/history'
import { generatePromptSet } from '../../src/media/prompt-set'
import type { DrillReport } from '../../src/sites/drill-report'
import { readLog, startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { startFreeswitch } from '../../src/stack/freeswitch'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { TrunkChannels } from '../../src/trunks/channels'
import { requireBinaries } from '../helpers/binaries'
import { checkInvariants, dumpPool } from '../helpers/invariants'
import { withRedis } from '../helpers/redis'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const DDI = '+3271000001'
const RINGERS = ['g0', 'g1']
const GOSSELIES = Array.from({ length: 12 }, (_, i) => `g${i + 2}`)
const MECHELEN = Array.from({ length: 12 }, (_, i) => `m${i}`)

function platform(): string {
  const agent = (id: string, site: string) => `  - { id: ${id}, sip_username: ${id}, site: ${site}, tenants: [acme], skills: { acme: { calls: 5 } } }`
  return [
    'platform: { max_no_answer: 3, default_region: BE }',
    'sites:',
    '  - { id: gosselies }',
    '  - { id: mechelen }',
    'tenants:',
    '  - id: acme',
    '    name: Acme',
    '    timezone: Europe/Brussels',
    '    pool: sites',
    '    sip_domain: acme.acd.local',
    '    skills: [calls]',
    '    trunks:',
    '      - { id: acme-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 200, max_outbound: 0 }',
    '    ddis:',
    `      - { number: "${DDI}", queue: main, site: gosselies, backup_site: mechelen }`,
    '    queues:',
    '      - { id: main, skills: [{ skill: calls, min_level: 1 }], strategy: longest-idle, ring_timeout_seconds: 10, wrap_up_seconds: 0, max_wait_seconds: 120 }',
    '  - id: other',
    '    name: Other',
    '    timezone: Europe/Brussels',
    '    pool: sites',
    '    skills: [calls]',
    '    queues:',
    '      - { id: main, skills: [{ skill: calls, min_level: 1 }], strategy: longest-idle }',
    'agents:',
    ...[...RINGERS, ...GOSSELIES].map((id) => agent(id, 'gosselies')),
    ...MECHELEN.map((id) => agent(id, 'mechelen')),
    '',
  ].join('\n')
}

function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    )
  })
}

t.test('site failover during live traffic: answered once by a live site, none lost, everything released', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch', 'sipp'])) return
  const { redis, server } = await withRedis(t)
  const yaml = platform()
  const config = parseConfig(yaml, 'sites-e2e.yaml')
  const dir = mkdtempSync(join(tmpdir(), 'acd-site-e2e-'))
  const configPath = join(dir, 'platform.yaml')
  writeFileSync(configPath, yaml)
  const prompts = join(dir, 'prompts')
  generatePromptSet('en', join(prompts, 'en'))
  const music = mkdtempSync(join(tmpdir(), 'acd-site-e2e-music-'))
  copyFileSync(join(prompts, 'en', 'hold-music.wav'), join(music, 'hold-music.wav'))
  const drachtio = await startDrachtio(t)
  const fs = await startFreeswitch(t, { musicDir: music })
  const app = await startApp(t, {
    env: { PROMPTS_DIR: prompts, SITE: 'gosselies' },
    configYaml: yaml,
    redisUrl: server.url,
    instanceId: 'site-e2e',
    drachtio: { host: drachtio.host, adminPort: drachtio.adminPort, secret: drachtio.secret },
    freeswitch: { host: fs.host, eslPort: fs.eslPort, secret: fs.secret },
  })
  const target = `${drachtio.host}:${drachtio.sipPort}`
  const cliEnv = { REDIS_URL: server.url, CONFIG_PATH: configPath }

  // g0 and g1 ring and never answer; every other agent answers after 300 ms and talks until the caller hangs up
  const ringing = await startSippUas({ scenario: 'uas-agent-noanswer', localIp: '127.0.0.12', calls: 1000, timeoutMs: 120_000, traceMessages: false, args: ['-l', '100'] })
  const phones = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 100_000, timeoutMs: 120_000, traceMessages: false, args: ['-set', 'ring', '300', '-l', '1000'] })
  t.teardown(() => Promise.all([ringing.stop(), phones.stop()]))
  const engine = new AcdEngine(redis, config, { instanceId: 'site-e2e-observer' })
  const view = new SiteControl(redis, engine)
  const registrar = new Registrar(redis, config)
  const acme = config.tenants.get('acme')!
  for (const id of [...RINGERS, ...GOSSELIES, ...MECHELEN]) {
    const phone = RINGERS.includes(id) ? ringing : phones
    await registrar.register(acme, config.agents.get(id)!, `sip:${id}@${phone.address}`, phone.address.split(':')[0]!, 3600)
  }
  for (const id of [...RINGERS, ...MECHELEN]) await engine.login(id, ['acme'])

  // 2 calls a second for 20 s, each caller on the line for 12 s (answered at once into hold music)
  const stops: Array<() => Promise<unknown>> = []
  t.teardown(() => Promise.all(stops.map((s) => s())))
  const load = runLoad({ label: 'site-failover', target, rate: 2, seconds: 20, callerIp: '127.0.0.2', ddi: DDI, talkMs: 12_000, drainMs: 30_000, progress: () => undefined, onInterrupt: (s) => (stops.push(s), () => undefined) })
  await sleep(2500)
  const report = join(dir, 'drill.json')
  const drill = run('src/sites/drill.ts', ['--site', 'gosselies', '--seconds', '10', '--settle', '14', '--json', report, '--text', join(dir, 'drill.txt')], cliEnv)
  // once the site is down: the two ringers leave, twelve agents of gosselies log in (they take no call before the site is up)
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(200)) {
    if ((await view.refresh()).get('sites')!.get('gosselies')!.state === 'down') break
  }
  t.equal(engine.sites.stateOf('sites', 'gosselies').state, 'down', 'the drill took gosselies down')
  for (const id of RINGERS) await engine.logout(id)
  for (const id of GOSSELIES) await engine.login(id, ['acme'])

  const [loaded, drilled] = await Promise.all([load, drill])
  t.equal(loaded.successful, loaded.offered, `every caller's call went through: ${loaded.successful}/${loaded.offered} (${JSON.stringify(loaded.failures)})`)
  t.equal(drilled.code, 0, `the drill lost no call:\n${drilled.out}`)
  const figures = JSON.parse(readFileSync(report, 'utf8')) as DrillReport
  const f = figures.tenants.find((x) => x.tenant === 'acme')!
  t.equal(figures.lost, 0, 'the report: calls lost 0')
  t.ok(f.moved >= 1, `calls waiting moved to the backup: ${f.moved}`)
  t.ok(f.rerouted >= 1, `new calls rerouted to the backup: ${f.rerouted}`)
  t.ok(f.answeredOnBackup >= f.moved, `answered on the backup: ${f.answeredOnBackup}`)
  t.ok(f.timeToRerouteMs !== null && f.timeToRerouteMs < 3000, `time to reroute ${f.timeToRerouteMs} ms`)
  t.same(figures.tenants.map((x) => x.tenant), ['acme'], 'the tenant with nothing at the site is not in it')

  // everything released: trunk channels, FreeSWITCH channels, agents, calls held
  const channels = new TrunkChannels(redis, config, 'site-e2e-observer')
  let busy: string[] = []
  for (const until = Date.now() + 15_000; Date.now() < until; await sleep(300)) {
    const states = await Promise.all([...config.agents.keys()].map((id) => engine.agentState(id).then((s) => `${id}:${s.state}`)))
    busy = states.filter((s) => s.endsWith(':reserved') || s.endsWith(':on-call'))
    if (busy.length === 0 && (await channels.count(acme.trunks[0]!, 'in')) === 0) break
  }
  t.same(busy, [], 'no agent left reserved or on a call')
  t.equal(await channels.count(acme.trunks[0]!, 'in'), 0, 'trunk channels back to zero')
  t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channels back to zero')
  t.equal((await app.health())['calls'], 0, 'the service holds no call')
  t.same(checkInvariants(await dumpPool(redis, 'sites'), 'sites'), [], 'the engine is consistent')

  // the history: one answer per call, by a site that was up, and the switch written down
  const history = await readHistory(redis, 'sites', 'acme')
  const switches = history.filter((e) => e.type === 'site_switched')
  t.same(switches.map((e) => e.type === 'site_switched' && [e.site, e.state, e.reason]), [['gosselies', 'down', 'drill'], ['gosselies', 'up', 'drill']])
  const [downTs, upTs] = [switches[0]!.ts, switches[1]!.ts]
  const calls = new Map<string, { connected: number; ended?: string }>()
  for (const e of history) {
    if (!('call' in e)) continue
    const c = calls.get(e.call) ?? { connected: 0 }
    if (e.type === 'connected') {
      c.connected++
      const site = config.agents.get(e.agent)?.site
      if (site === 'gosselies' && e.ts > downTs && e.ts < upTs) t.fail(`call ${e.call} answered by ${e.agent} of gosselies while it was down`)
    }
    if (e.type === 'call_ended') c.ended = e.outcome
    calls.set(e.call, c)
  }
  t.equal(calls.size, loaded.offered, 'every call is in the history')
  t.same([...calls].filter(([, c]) => c.connected > 1), [], 'no call answered twice')
  t.same([...calls].filter(([, c]) => !(c.connected === 1 && c.ended === 'answered') && c.ended !== undefined), [], 'every call was answered by an agent (none lost, none abandoned)')
  t.ok(history.some((e) => e.type === 'returned' && e.reason === 'site-down'), 'the rings of gosselies were withdrawn')
  t.ok(history.some((e) => e.type === 'connected' && e.queue === 'main@mechelen'), 'answered at the backup copy')
  t.ok(history.some((e) => e.type === 'connected' && e.queue === 'main' && e.ts > upTs), 'and at gosselies again after it came back')
  t.same((await readHistory(redis, 'sites', 'other')).filter((e) => e.type.startsWith('site_')), [], "the other tenant's history has no site event")

  // the instance drained through Redis: 503 for new calls, /health says drained; then lifted
  const drain = await run('src/sites/cli.ts', ['drain-instance', 'site-e2e'], cliEnv)
  t.equal(drain.code, 0, drain.out)
  let health: Record<string, unknown> = {}
  for (const until = Date.now() + 5000; Date.now() < until; await sleep(200)) if ((health = await app.health())['drain'] === 'drained') break
  t.equal(health['drain'], 'drained', '/health: drained')
  t.equal(health['ok'], false, 'not ready while drained')
  const refused = await runSipp({ scenario: 'uac-refused-503', target, localIp: '127.0.0.2', args: ['-s', DDI], timeoutMs: 15_000 })
  t.equal(refused.code, 0, `a new call gets 503 from the drained instance: ${refused.errors}`)
  t.equal((await run('src/sites/cli.ts', ['undrain-instance', 'site-e2e'], cliEnv)).code, 0)
  for (const until = Date.now() + 5000; Date.now() < until; await sleep(200)) if ((health = await app.health())['ok'] === true) break
  t.equal(health['ok'], true, 'ready again')
  t.equal(health['drain'], undefined)
  const status = await run('src/sites/cli.ts', ['status'], cliEnv)
  t.match(status.out, /gosselies \(pool sites\): up since .* \(drill\); waiting 0, agents logged in 12/)

  // the site drained: nothing in progress there, so drained at once; /health and the log say so
  t.equal((await run('src/sites/cli.ts', ['drain', 'gosselies', '--reason', 'maintenance'], cliEnv)).code, 0)
  for (const until = Date.now() + 5000; Date.now() < until; await sleep(200)) if (((health = await app.health())['sites'] as Record<string, string>)['gosselies'] === 'drained') break
  t.same(health['sites'], { gosselies: 'drained' }, '/health: the site is drained')
  t.ok(readLog(app.logFile).some((l) => l['msg'] === 'site gosselies drained: no call left at the site'), 'the log says so')
  t.equal((await run('src/sites/cli.ts', ['up', 'gosselies'], cliEnv)).code, 0)
})
