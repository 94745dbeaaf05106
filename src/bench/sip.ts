// bench:sip — SIPp callers routed to a SIPp agent phone through the service on loopback, at a fixed
// rate, once without media (ringback, the agent's SDP relayed) and once with hold music on
// FreeSWITCH, against the ceiling of a bare drachtio-srf B2BUA on the same drachtio-server pushed
// to its highest rate with no failed call.
//
// Progress goes to stderr. stdout: the with-media figures, then the last line
//   bench-sip: cps=N failed=N p50_ms=N p99_ms=N bare_cps=N ratio=N
// (without-media figures; ratio = cps / bare_cps).
//
// Environment:
//   BENCH_SIP_RATE (200) / BENCH_SIP_SECONDS (60)               without media
//   BENCH_SIP_MEDIA_RATE (10) / BENCH_SIP_MEDIA_SECONDS (30)     with hold music
//   BENCH_SIP_BARE_RATES ("100,200,300,400,500,600"), BENCH_SIP_BARE_STEP_SECONDS (8); the steps stop at
//   the first failed call or the first step sustaining under 90% of its rate
//   BENCH_SIP_AGENTS (400), BENCH_SIP_TALK_MS (1000)
//   BENCH_SIP_SKIP_MEDIA=1 skips the phase with FreeSWITCH
//   BENCH_SIP_KEEP_LOGS=1 keeps every log directory (they are kept anyway when a call failed)
//   E2E_LOG_LEVEL: the service's log level (default info, as in production)
import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Redis from 'ioredis'
import type { TestScope } from '../stack/scope'
import { AcdEngine } from '../acd/engine'
import { Registrar } from '../agents/registrar'
import { parseConfig } from '../config/load'
import type { PlatformConfig } from '../config/model'
import { PrivateRedis } from '../redis/private-server'
import { TrunkChannels } from '../trunks/channels'
import { startApp, type AppHandle } from '../stack/app'
import { killOnExit, sleep } from '../stack/child'
import { startDrachtio, type DrachtioHandle } from '../stack/drachtio'
import { startFreeswitch, type FreeswitchHandle } from '../stack/freeswitch'
import { startSippUas, type SippUas } from '../stack/sipp'
import { bareCeiling } from './bare-b2bua'
import { benchPlatform } from './bench-platform'
import { printFigures, type ProductResult } from './sip-report'
import { serviceLogSummary } from './service-log'
import { describe, reportFailures, runLoad, type LoadOptions } from './sipp-load'

const num = (name: string, def: number): number => {
  const v = process.env[name]
  if (v === undefined || v === '') return def
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(v)}`)
  return n
}

const RATE = num('BENCH_SIP_RATE', 200)
const SECONDS = num('BENCH_SIP_SECONDS', 60)
const MEDIA_RATE = num('BENCH_SIP_MEDIA_RATE', 10)
const MEDIA_SECONDS = num('BENCH_SIP_MEDIA_SECONDS', 30)
const BARE_RATES = (process.env['BENCH_SIP_BARE_RATES'] ?? '100,200,300,400,500,600').split(',').map((s) => Number(s.trim())).filter((n) => n > 0)
const BARE_STEP_SECONDS = num('BENCH_SIP_BARE_STEP_SECONDS', 8)
const AGENTS = Math.round(num('BENCH_SIP_AGENTS', 400))
const TALK_MS = num('BENCH_SIP_TALK_MS', 1000)
const SKIP_MEDIA = process.env['BENCH_SIP_SKIP_MEDIA'] === '1'
const KEEP_LOGS = process.env['BENCH_SIP_KEEP_LOGS'] === '1'
/** Hard bound on the whole run: everything is stopped past it. */
const WATCHDOG_MS = num('BENCH_SIP_MAX_SECONDS', 420) * 1000

const DDI = '+33972000001'
const CALLER_IP = '127.0.0.2'
const AGENT_IP = '127.0.0.10'
const TENANT = 'bench'
/** SIPp's per-step receive time-out is 30 s: a run that is still going that long after its last call is stuck. */
const DRAIN_MS = 40_000
/** A bare step sustaining less than this share of its offered rate is past the ceiling. */
const SATURATED = 0.9

const progress = (line: string) => process.stderr.write(`[bench-sip ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

// ------------------------------------------------------------------------------------------
// Clean-up of everything started, on success, failure and signals.

const cleanups: Array<() => Promise<unknown> | unknown> = []
let cleaning: Promise<void> | undefined
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const f of cleanups.splice(0).reverse()) {
      try {
        await f()
      } catch (err) {
        progress(`clean-up step failed: ${(err as Error).message}`)
      }
    }
  })())
}

/** Where the starters register their stops. */
const teardownOnly: TestScope = { teardown: (f) => void cleanups.push(f), passing: () => true }

/** The load caller's settings for this bench: the bench tenant's caller address and DDI. */
function loadOptions(o: { label: string; target: string; rate: number; seconds: number }): LoadOptions {
  return {
    ...o,
    callerIp: CALLER_IP,
    ddi: DDI,
    talkMs: TALK_MS,
    drainMs: DRAIN_MS,
    progress,
    onInterrupt: (stop) => {
      cleanups.push(stop)
      return () => {
        const i = cleanups.indexOf(stop)
        if (i >= 0) cleanups.splice(i, 1)
      }
    },
  }
}

function killChildOnExit(proc: ChildProcess): void {
  const unhook = killOnExit(proc)
  proc.once('exit', unhook)
}

/** The agent phone: one SIPp UAS taking every call concurrently, answering at once. */
async function startAgentPhone(): Promise<SippUas> {
  const phone = await startSippUas({
    scenario: 'uas-agent-answer',
    localIp: AGENT_IP,
    calls: 10_000_000,
    timeoutMs: WATCHDOG_MS,
    traceMessages: false,
    args: ['-set', 'ring', '0', '-l', '100000'],
  })
  cleanups.push(() => phone.stop())
  return phone
}

// ------------------------------------------------------------------------------------------
// Phases 2 and 3: the service.



async function productPhase(o: {
  label: string
  drachtio: DrachtioHandle
  server: PrivateRedis
  config: PlatformConfig
  yaml: string
  freeswitch?: FreeswitchHandle
  rate: number
  seconds: number
}): Promise<ProductResult> {
  const redis = new Redis(o.server.url)
  cleanups.push(() => redis.disconnect())
  await redis.flushall()
  const phone = await startAgentPhone()
  const app: AppHandle = await startApp(teardownOnly, {
    configYaml: o.yaml,
    redisUrl: o.server.url,
    drachtio: { host: o.drachtio.host, adminPort: o.drachtio.adminPort, secret: o.drachtio.secret },
    freeswitch: o.freeswitch ? { host: o.freeswitch.host, eslPort: o.freeswitch.eslPort, secret: o.freeswitch.secret } : undefined,
    instanceId: `bench-${o.label}`,
  })
  killChildOnExit(app.proc)
  progress(`${o.label}: service up (log ${app.logFile}); registering and logging in ${AGENTS} agents on ${phone.address}`)
  const engine = new AcdEngine(redis, o.config, { instanceId: 'bench-observer' })
  const registrar = new Registrar(redis, o.config)
  const channels = new TrunkChannels(redis, o.config, 'bench-observer')
  const tenant = o.config.tenants.get(TENANT)!
  const trunk = tenant.trunks[0]!
  const agentIds = [...o.config.agents.keys()]
  for (let i = 0; i < agentIds.length; i += 50) {
    await Promise.all(
      agentIds.slice(i, i + 50).map(async (id) => {
        await registrar.register(tenant, o.config.agents.get(id)!, `sip:${id}@${phone.address}`, AGENT_IP, 3600)
        await engine.login(id, [TENANT])
      }),
    )
  }
  progress(`${o.label}: ${o.rate} cps for ${o.seconds} s, talk ${TALK_MS} ms`)
  const load = await runLoad(loadOptions({ label: o.label, target: `${o.drachtio.host}:${o.drachtio.sipPort}`, rate: o.rate, seconds: o.seconds }))
  progress(describe(load))
  reportFailures(load, progress)

  // every call over: the trunk's channels released, FreeSWITCH empty, the agents available
  const deadline = Date.now() + 15_000
  let trunkChannels = await channels.count(trunk, 'in')
  while (trunkChannels > 0 && Date.now() < deadline) {
    await sleep(250)
    trunkChannels = await channels.count(trunk, 'in')
  }
  let freeswitchChannels: number | undefined
  if (o.freeswitch) {
    await o.freeswitch.waitForChannels(0, Math.max(1000, deadline - Date.now()))
    freeswitchChannels = await o.freeswitch.channelCount()
  }
  const states = await Promise.all(agentIds.map((id) => engine.agentState(id).then((s) => s.state as string)))
  const agentsNotAvailable = states.filter((s) => s !== 'available').length
  let activeCalls: unknown = '?'
  try {
    activeCalls = (await app.health())['calls']
  } catch {
    /* the service is gone: shown as '?' */
  }
  progress(
    `${o.label}: after the run: trunk inbound channels in Redis = ${trunkChannels}, FreeSWITCH channels = ${freeswitchChannels ?? 'n/a (no media server)'}, ` +
      `agents not available = ${agentsNotAvailable}/${agentIds.length}, calls held by the service = ${String(activeCalls)}`,
  )
  if (app.proc.exitCode !== null || app.proc.signalCode !== null) {
    progress(`${o.label}: the service exited during the run (code ${app.proc.exitCode}, signal ${app.proc.signalCode}); see ${app.logFile}`)
  }
  engine.removeAllListeners()
  await app.stop()
  await phone.stop()
  const log = serviceLogSummary(app.logFile)
  progress(`${o.label}: service log lines by level ${JSON.stringify(log.levels)}`)
  for (const l of log.top) progress(`  ${l}`)
  const clean = load.failed === 0 && trunkChannels === 0 && (freeswitchChannels ?? 0) === 0 && !log.levels['error'] && !log.levels['fatal']
  if (clean && !KEEP_LOGS) rmSync(join(app.logFile, '..'), { recursive: true, force: true })
  else progress(`${o.label}: service log kept: ${app.logFile}`)
  redis.disconnect()
  return { load, trunkChannels, freeswitchChannels, agentsNotAvailable, activeCalls }
}

// ------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = Date.now()
  progress(
    `bare rates ${BARE_RATES.join(',')} cps x ${BARE_STEP_SECONDS} s; without media ${RATE} cps x ${SECONDS} s; ` +
      (SKIP_MEDIA ? 'with media skipped' : `with media ${MEDIA_RATE} cps x ${MEDIA_SECONDS} s`) +
      `; ${AGENTS} agents; talk ${TALK_MS} ms`,
  )
  const drachtio = await startDrachtio(undefined, {
    logLevel: (process.env['E2E_DRACHTIO_LOGLEVEL'] as 'notice' | undefined) ?? 'notice',
    sofiaLogLevel: Number(process.env['E2E_DRACHTIO_SOFIA_LOGLEVEL'] ?? 1),
  })
  let failedSomewhere = false
  cleanups.push(async () => {
    await drachtio.stop()
    if (!failedSomewhere && !KEEP_LOGS) rmSync(drachtio.dir, { recursive: true, force: true })
    else progress(`drachtio-server log kept: ${drachtio.logFile}`)
  })
  progress(`drachtio-server on ${drachtio.host}:${drachtio.sipPort} (admin ${drachtio.adminPort})`)

  // 1. the bare B2BUA ceiling
  const bare = await bareCeiling(drachtio, {
    startAgentPhone,
    step: (rate, target) => runLoad(loadOptions({ label: `bare@${rate}`, target, rate, seconds: BARE_STEP_SECONDS })),
    progress,
    cleanups,
    rates: BARE_RATES,
    saturated: SATURATED,
  })
  progress(`bare B2BUA ceiling: ${bare.cps.toFixed(1)} cps (step ${bare.rate} cps, no failure) after ${Math.round((Date.now() - t0) / 1000)} s`)

  const server = await PrivateRedis.start()
  cleanups.push(() => server.stop())
  const yaml = benchPlatform({ tenant: TENANT, callerIp: CALLER_IP, ddi: DDI, agents: AGENTS })
  const config = parseConfig(yaml, 'bench-sip.yaml')

  // 2. the service without media
  const plain = await productPhase({ label: 'no-media', drachtio, server, config, yaml, rate: RATE, seconds: SECONDS })
  failedSomewhere ||= plain.load.failed > 0 || plain.trunkChannels > 0

  // 3. the service with hold music on FreeSWITCH
  let media: ProductResult | undefined
  if (!SKIP_MEDIA) {
    const fs = await startFreeswitch(undefined, { sessionsPerSecond: 2000, maxSessions: 4000, logLevel: 'warning' })
    cleanups.push(async () => {
      await fs.stop()
      if (!failedSomewhere && !KEEP_LOGS) rmSync(fs.dir, { recursive: true, force: true })
      else progress(`FreeSWITCH files kept: ${fs.dir}`)
    })
    progress(`FreeSWITCH event socket ${fs.eslPort}, SIP ${fs.sipPort}, RTP ${fs.rtpPorts.start}-${fs.rtpPorts.end}`)
    media = await productPhase({ label: 'media', drachtio, server, config, yaml, freeswitch: fs, rate: MEDIA_RATE, seconds: MEDIA_SECONDS })
    failedSomewhere ||= media.load.failed > 0 || media.trunkChannels > 0 || (media.freeswitchChannels ?? 0) > 0
  }
  progress(`done in ${Math.round((Date.now() - t0) / 1000)} s`)

  printFigures(plain, media, bare)
}

const watchdog = setTimeout(() => {
  progress(`run exceeded ${WATCHDOG_MS / 1000} s: stopping everything`)
  void cleanup().then(() => process.exit(2))
}, WATCHDOG_MS)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    progress(`${sig}: stopping everything`)
    void cleanup().then(() => process.exit(130))
  })
}

main()
  .then(async () => {
    clearTimeout(watchdog)
    await cleanup()
    process.exit(0)
  })
  .catch(async (err: unknown) => {
    clearTimeout(watchdog)
    progress(`failed: ${(err as Error).stack ?? String(err)}`)
    await cleanup()
    process.exit(1)
  })
