// One phase of bench:sip against the service: the bench platform, every agent registered and
// logged in, SIPp callers at a fixed rate, then the state left behind once the last call is over.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Redis from 'ioredis'
import { AcdEngine } from '../acd/engine'
import { Registrar } from '../agents/registrar'
import type { PlatformConfig } from '../config/model'
import type { PrivateRedis } from '../redis/private-server'
import { startApp, type AppHandle } from '../stack/app'
import { sleep } from '../stack/child'
import type { DrachtioHandle } from '../stack/drachtio'
import type { FreeswitchHandle } from '../stack/freeswitch'
import { TrunkChannels } from '../trunks/channels'
import { AGENT_IP, AGENTS, cleanups, KEEP_LOGS, killChildOnExit, loadOptions, progress, startAgentPhone, TALK_MS, teardownOnly, TENANT } from './sip-context'
import type { ProductResult } from './sip-report'
import { serviceLogSummary } from './service-log'
import { describe, reportFailures, runLoad } from './sipp-load'

export async function productPhase(o: {
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
    if (freeswitchChannels > 0) progress(`${o.label}: FreeSWITCH channels left:\n${await o.freeswitch.api('show channels')}`)
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
