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
//   BENCH_SIP_OVERLOAD_RATE (120) / BENCH_SIP_OVERLOAD_SECONDS (10) with hold music, three times the
//   media ceiling seen on this machine (about 40 cps): the door refuses what it cannot take
// The run fails (exit 1) when a phase leaves trunk channels, FreeSWITCH channels, calls held or
// agents not available behind once its last caller is gone.
//   BENCH_SIP_BARE_RATES ("100,200,300,400,500,600"), BENCH_SIP_BARE_STEP_SECONDS (8); the steps stop at
//   the first failed call or the first step sustaining under 90% of its rate
//   BENCH_SIP_AGENTS (400), BENCH_SIP_TALK_MS (1000)
//   BENCH_SIP_SKIP_MEDIA=1 skips the phase with FreeSWITCH
//   BENCH_SIP_KEEP_LOGS=1 keeps every log directory (they are kept anyway when a call failed)
//   E2E_LOG_LEVEL: the service's log level (default info, as in production)
import { rmSync } from 'node:fs'
import { parseConfig } from '../config/load'
import { PrivateRedis } from '../redis/private-server'
import { startDrachtio } from '../stack/drachtio'
import { startFreeswitch } from '../stack/freeswitch'
import { bareCeiling } from './bare-b2bua'
import { benchPlatform } from './bench-platform'
import { leftBehind, printFigures, type ProductResult } from './sip-report'
import { AGENTS, BARE_RATES, BARE_STEP_SECONDS, CALLER_IP, cleanup, cleanups, DDI, KEEP_LOGS, loadOptions, MEDIA_RATE, MEDIA_SECONDS, OVERLOAD_RATE, OVERLOAD_SECONDS, progress, RATE, SATURATED, SECONDS, SKIP_MEDIA, startAgentPhone, TALK_MS, TENANT, WATCHDOG_MS } from './sip-context'
import { productPhase } from './sip-phase'
import { runLoad } from './sipp-load'

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
  let overload: ProductResult | undefined
  if (!SKIP_MEDIA) {
    const fs = await startFreeswitch(undefined, { sessionsPerSecond: 2000, maxSessions: 4000, logLevel: 'warning' })
    cleanups.push(async () => {
      await fs.stop()
      if (!failedSomewhere && !KEEP_LOGS) rmSync(fs.dir, { recursive: true, force: true })
      else progress(`FreeSWITCH files kept: ${fs.dir}`)
    })
    progress(`FreeSWITCH event socket ${fs.eslPort}, SIP ${fs.sipPort}, RTP ${fs.rtpPorts.start}-${fs.rtpPorts.end}`)
    media = await productPhase({ label: 'media', drachtio, server, config, yaml, freeswitch: fs, rate: MEDIA_RATE, seconds: MEDIA_SECONDS })
    // 4. an overload well past the media ceiling: refusals at the door are fine, leftovers are not
    overload = await productPhase({ label: 'overload', drachtio, server, config, yaml, freeswitch: fs, rate: OVERLOAD_RATE, seconds: OVERLOAD_SECONDS })
    failedSomewhere ||= media.load.failed > 0 || media.trunkChannels > 0 || (media.freeswitchChannels ?? 0) > 0
  }
  progress(`done in ${Math.round((Date.now() - t0) / 1000)} s`)

  printFigures(plain, media, overload, bare)
  const left = [plain, media, overload].filter((r): r is ProductResult => r !== undefined).filter(leftBehind)
  if (left.length) {
    progress(`state left behind after ${left.map((r) => r.load.label).join(', ')}: the run fails`)
    process.exitCode = 1
  }
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
    process.exit(process.exitCode ?? 0)
  })
  .catch(async (err: unknown) => {
    clearTimeout(watchdog)
    progress(`failed: ${(err as Error).stack ?? String(err)}`)
    await cleanup()
    process.exit(1)
  })
