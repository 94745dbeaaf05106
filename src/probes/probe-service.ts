// The probes inside the service: the connection to the probes' own drachtio-server (their calls'
// source, and the probe agents' phone), the schedule, and what /health says of them.
import Srf from 'drachtio-srf'
import type { AcdEngine } from '../acd/engine'
import type { Registrar } from '../agents/registrar'
import type { PlatformConfig } from '../config/model'
import type { RedisLike } from '../redis/connect'
import type { ServiceEnv } from '../service/env'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import { ProbeAgentPhone } from './agent-phone'
import { runProbe } from './runner'
import { ProbeScheduler } from './scheduler'

/** The UDP address in drachtio's `connect` hostport ("tcp/127.0.0.1:5060,udp/127.0.0.1:5060"). */
export function udpAddress(hostport: string | undefined): string | undefined {
  const parts = (hostport ?? '').split(',')
  const udp = parts.find((p) => p.startsWith('udp/')) ?? parts[0]
  return udp ? udp.replace(/^[a-z]+\//, '') || undefined : undefined
}

export interface ProbeServiceDeps {
  engine: AcdEngine
  registrar: Registrar
  redis: RedisLike
  config: () => PlatformConfig
  metrics: Metrics
  log: Logger
  /** the platform's SIP front door, host:port (undefined while drachtio-server is not connected or the instance drains) */
  frontDoor: () => string | undefined
}

export class ProbeService {
  private readonly srf = new Srf()
  private contact?: string
  private readonly phone: ProbeAgentPhone
  private readonly scheduler: ProbeScheduler
  private readonly log: Logger

  constructor(
    private readonly settings: ServiceEnv['probes'],
    private readonly deps: ProbeServiceDeps,
  ) {
    this.log = deps.log.child({ part: 'probes' })
    const ringing = async (agent: string) => (await deps.engine.agentState(agent).catch(() => undefined))?.state === 'reserved'
    this.phone = new ProbeAgentPhone({ srf: this.srf, config: deps.config, rtpAddress: settings.rtpAddress, log: this.log, ringing })
    this.scheduler = new ProbeScheduler({
      redis: deps.redis,
      config: deps.config,
      metrics: deps.metrics,
      log: this.log,
      canRun: () => Boolean(deps.frontDoor() && this.contact),
      run: (probe, tick, nonce) =>
        runProbe({ srf: this.srf, engine: deps.engine, registrar: deps.registrar, target: deps.frontDoor()!, contact: this.contact!, rtpAddress: settings.rtpAddress, log: this.log }, probe, tick, nonce),
    })
  }

  start(): void {
    if (!this.settings.enabled) return void this.log.info('probes off (PROBES=off)')
    const d = this.settings.drachtio
    if (!d) return void this.log.warn('probes not run: PROBE_DRACHTIO (the probes\' own drachtio-server) is not set')
    this.srf.on('connect', (err: Error, hostport: string) => {
      if (err) return
      this.contact = udpAddress(hostport)
      this.log.info({ dependency: 'probe-drachtio', hostport }, "connected to the probes' drachtio-server")
    })
    this.srf.on('error', (err: Error) => {
      this.contact = undefined
      this.log.warn({ dependency: 'probe-drachtio', err: err.message }, "the probes' drachtio-server is unreachable, retrying")
    })
    this.phone.attach()
    this.srf.connect({ host: d.host, port: d.port, secret: d.secret })
    this.scheduler.start()
  }

  health(): { enabled: boolean; connected: boolean; running: number; agentLegs: number } {
    return { enabled: this.settings.enabled && Boolean(this.settings.drachtio), connected: Boolean(this.contact), running: this.scheduler.runs, agentLegs: this.phone.liveLegs }
  }

  stop(): void {
    this.scheduler.stop()
    if (this.settings.enabled && this.settings.drachtio) this.srf.disconnect()
  }
}
