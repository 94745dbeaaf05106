// End to end on the real stack: redis-server, drachtio-server (the platform's front door), a second
// drachtio-server for the probes, FreeSWITCH and the service. Two tenants: gridco's probe walks its
// IVR (key 1) into the outages queue and is answered by its probe agent; voltsupply's trunk has a
// channel cap of 0, so its probe fails while gridco's succeeds, both read from /metrics. Nothing
// of the probes counts in the tenants' figures, nothing is left behind, and a probe claim from a
// trunk or with a forged nonce is refused.
import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Srf from 'drachtio-srf'
import t from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { parseConfig } from '../../src/config/load'
import { probeAgentId, probeLane } from '../../src/config/probes'
import { readHistory } from '../../src/events/history'
import { generatePromptSet } from '../../src/media/prompt-set'
import { startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { startFreeswitch } from '../../src/stack/freeswitch'
import { runSipp } from '../../src/stack/sipp'
import { TrunkChannels } from '../../src/trunks/channels'
import { requireBinaries } from '../helpers/binaries'
import { withRedis } from '../helpers/redis'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// every_seconds is a day: each probe runs once, when the service starts (its first tick)
const YAML = `
platform: { max_no_answer: 3, default_region: FR, probe_sources: [127.0.0.1/32] }
tenants:
  - id: gridco
    name: GridCo
    timezone: Europe/Paris
    pool: e2e
    skills: [outage]
    trunks: [{ id: gridco-carrier, allowed_sources: [127.0.0.2/32], max_inbound: 5, max_outbound: 0 }]
    ddis: [{ number: "+33972000003", ivr: main }]
    ivrs:
      - id: main
        prompt: "tone_stream://%(2000,500,440)"
        timeout_seconds: 3
        max_tries: 2
        choices: { "1": { queue: outages, set: { urgency: critical } } }
        default: { action: hangup }
    queues:
      - { id: outages, skills: [{ skill: outage, min_level: 1 }], strategy: longest-idle, wrap_up_seconds: 5 }
    probes:
      - { id: outage-line, ddi: "+33 9 72 00 00 03", digits: "1", queue: outages, every_seconds: 86400, timeout_seconds: 15 }
  - id: voltsupply
    name: VoltSupply
    timezone: Europe/Paris
    pool: e2e
    skills: [billing]
    trunks: [{ id: volt-carrier, allowed_sources: [127.0.0.3/32], max_inbound: 0, max_outbound: 0 }]
    ddis: [{ number: "+33972000011", queue: billing }]
    queues:
      - { id: billing, skills: [{ skill: billing, min_level: 1 }], strategy: longest-idle }
    probes:
      - { id: billing-line, ddi: "+33972000011", queue: billing, every_seconds: 86400, timeout_seconds: 15 }
agents:
  - { id: alice, tenants: [gridco], skills: { gridco: { outage: 5 } } }
  - { id: emma, tenants: [voltsupply], skills: { voltsupply: { billing: 5 } } }
`

/** The sum of a metric's series carrying these labels (undefined: no such series). */
const metric = (text: string, name: string, labels: string): number | undefined => {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) && labels.split(',').every((kv) => l.includes(kv)))
  return lines.length ? lines.reduce((n, l) => n + Number(l.split(' ').at(-1)), 0) : undefined
}

t.test('probes per tenant path: one succeeds, the broken one fails, both shown in /metrics', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch', 'sipp'])) return
  const { redis, server } = await withRedis(t)
  const config = parseConfig(YAML, 'probes.yaml')
  const engine = new AcdEngine(redis, config, { instanceId: 'e2e-observer' })
  const channels = new TrunkChannels(redis, config, 'e2e-observer')
  const front = await startDrachtio(t)
  const probeSide = await startDrachtio(t)
  const prompts = mkdtempSync(join(tmpdir(), 'acd-e2e-prompts-'))
  generatePromptSet('en', join(prompts, 'en'))
  const music = mkdtempSync(join(tmpdir(), 'acd-e2e-music-'))
  copyFileSync(join(prompts, 'en', 'hold-music.wav'), join(music, 'hold-music.wav'))
  const fs = await startFreeswitch(t, { musicDir: music })
  // a customer agent of gridco is free the whole time: the probe call must not be offered to her
  await engine.applyConfig(config)
  await engine.login('alice')
  const app = await startApp(t, {
    env: { PROMPTS_DIR: prompts, PROBE_DRACHTIO: `${probeSide.host}:${probeSide.adminPort}:${probeSide.secret}` },
    configYaml: YAML,
    redisUrl: server.url,
    drachtio: { host: front.host, adminPort: front.adminPort, secret: front.secret },
    freeswitch: { host: fs.host, eslPort: fs.eslPort, secret: fs.secret },
  })

  let text = ''
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(500)) {
    text = await app.metrics()
    if (metric(text, 'acd_probe_up', 'tenant="gridco"') !== undefined && metric(text, 'acd_probe_up', 'tenant="voltsupply"') !== undefined) break
  }
  t.equal(metric(text, 'acd_probe_up', 'tenant="gridco",probe="outage-line"'), 1, 'gridco: DDI → IVR key 1 → outages → probe agent: up')
  t.equal(metric(text, 'acd_probe_up', 'tenant="voltsupply",probe="billing-line"'), 0, "voltsupply's trunk takes no call: its probe is down")
  t.equal(metric(text, 'acd_probe_runs_total', 'tenant="gridco",result="success"'), 1)
  t.equal(metric(text, 'acd_probe_runs_total', 'tenant="voltsupply",result="refused"'), 1)
  const count = metric(text, 'acd_probe_setup_seconds_count', 'tenant="gridco"')
  const sum = metric(text, 'acd_probe_setup_seconds_sum', 'tenant="gridco"')
  t.equal(count, 1, 'one setup time measured')
  t.ok(sum! > 1 && sum! < 15, `setup time ${sum} s: after the key pressed at 1 s, within the time-out`)
  t.equal(metric(text, 'acd_probe_setup_seconds_count', 'tenant="voltsupply"'), undefined, 'no setup time for a failed run')
  t.notMatch(text, /acd_calls_(offered|answered|abandoned)_total\{/, 'no business metric counted the probe calls')
  t.notMatch(text, /sip_calls_rejected_total\{tenant="voltsupply"/, "the broken probe is not counted among voltsupply's rejected calls")

  // the failure reason is in the log, with the tenant and the probe
  const { readLog } = await import('../../src/stack/app')
  const failed = readLog(app.logFile).find((l) => l['msg'] === 'probe failed')
  t.match(failed, { tenant: 'voltsupply', probe: 'billing-line', reason: 'refused', detail: /^503/ })

  // history: the probe call went through the IVR into the probe's lane, to the probe agent only
  const gridco = await readHistory(redis, 'e2e', 'gridco')
  const lane = probeLane('outages', 'outage-line')
  const enq = gridco.find((e) => e.type === 'enqueued')
  t.match(enq, { queue: lane, attrs: { probe: 'outage-line', urgency: 'critical' } })
  t.match(gridco.find((e) => e.type === 'connected'), { queue: lane, agent: probeAgentId('gridco', 'outage-line') })
  t.notOk(gridco.some((e) => e.type === 'reserved' && String(e['agents']).includes('alice')), 'alice, free, was never offered the probe call')
  t.match(gridco.find((e) => e.type === 'call_ended'), { outcome: 'answered', probe: 'outage-line', queue: 'outages' })
  const volt = await readHistory(redis, 'e2e', 'voltsupply')
  t.match(volt.find((e) => e.type === 'call_ended'), { outcome: 'refused', probe: 'billing-line' })
  const stats = await engine.snapshot('gridco', 'outages')
  t.notOk(stats.stats['offered'] ?? stats.stats['answered'], `outages counted nothing: ${JSON.stringify(stats.stats)}`)
  t.equal((await redis.hgetall(keys.probeLast('e2e', 'gridco', 'outage-line')))['result'], 'success')

  // nothing left behind: legs, agent, channels
  let health: Record<string, unknown> = {}
  for (const until = Date.now() + 15_000; Date.now() < until; await sleep(200)) {
    health = await app.health()
    const p = health['probes'] as { running: number; agentLegs: number }
    if (p.running === 0 && p.agentLegs === 0 && health['calls'] === 0) break
  }
  t.match(health, { calls: 0, probes: { enabled: true, running: 0, agentLegs: 0 } }, 'no probe run, call or agent leg left')
  t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
  t.equal(await channels.count(config.tenants.get('gridco')!.trunks[0]!, 'in'), 0, 'trunk channels back to zero')
  t.equal((await engine.agentState(probeAgentId('gridco', 'outage-line'))).state, 'logged-out', 'the probe agent is logged out')
  t.equal(await redis.exists(keys.registration('e2e', 'gridco', probeAgentId('gridco', 'outage-line'))), 0, "the probe agent's registration is gone")
  t.equal((await engine.agentState('alice')).state, 'available')

  // a trunk call claiming to be a probe is refused; so is a probe-source call with a forged nonce
  const target = `${front.host}:${front.sipPort}`
  const tick = (await redis.hget(keys.probeLast('e2e', 'gridco', 'outage-line'), 'tick'))!
  const nonce = (await redis.get(keys.probeRun('e2e', 'gridco', 'outage-line', tick))) ?? 'none'
  const trunkClaim = await runSipp({ scenario: 'uac-probe-claim-403', target, localIp: '127.0.0.2', args: ['-s', '+33972000003', '-set', 'claim', `gridco;outage-line;${tick};${nonce}`], timeoutMs: 20_000 })
  t.equal(trunkClaim.code, 0, `a gridco trunk call with the live claim gets 403: ${trunkClaim.errors}`)
  const forger = await startDrachtio(t)
  const srf = new Srf()
  await new Promise<void>((resolve) => {
    srf.on('connect', () => resolve())
    srf.connect({ host: forger.host, port: forger.adminPort, secret: forger.secret })
  })
  t.teardown(() => srf.disconnect())
  const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n'
  const forged = await srf.createUAC(`sip:+33972000003@${target}`, { localSdp: sdp, headers: { 'X-ACD-Probe': `gridco;outage-line;${tick};deadbeef` } }).then(
    () => 200,
    (err: { status?: number }) => err.status,
  )
  t.equal(forged, 403, 'a claim from the probe source with a forged nonce gets 403')
  const other = await srf.createUAC(`sip:+33972000011@${target}`, { localSdp: sdp, headers: { 'X-ACD-Probe': `gridco;outage-line;${tick};${nonce}` } }).then(
    () => 200,
    (err: { status?: number }) => err.status,
  )
  t.equal(other, 403, "gridco's live claim cannot reach voltsupply's DDI")
  const phoneCall = await srf
    .createUAC(`sip:${probeAgentId('gridco', 'outage-line')}@${probeSide.host}:${probeSide.sipPort}`, { localSdp: sdp, headers: { 'X-ACD-Tenant': 'gridco' } })
    .then(
      () => 200,
      (err: { status?: number }) => err.status,
    )
  t.equal(phoneCall, 480, 'the probe agent phone answers no INVITE while the engine is not ringing its agent')
  text = await app.metrics()
  t.equal(metric(text, 'sip_calls_rejected_total', 'reason="probe-claim"'), 3, 'the three refused claims are counted')
  t.equal(metric(text, 'acd_probe_runs_total', 'tenant="gridco",result="success"'), 1, 'and none of them ran as a probe')
  await engine.logout('alice')
})
