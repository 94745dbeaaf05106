import Srf from 'drachtio-srf'
import { closingSweep } from '../routing/closing'
import Mrf from 'drachtio-fsmrf'
import { AcdEngine } from '../acd/engine'
import { InstanceWatch } from '../acd/recovery'
import { EngineOutbox } from '../call/engine-outbox'
import { EndJournal } from './end-journal'
import { Registrar } from '../agents/registrar'
import { ConfigStore } from '../config/store'
import { FreeswitchGateway, type MediaGateway } from '../media/gateway'
import { MediaReaper } from '../media/media-reaper'
import { missingPrompts, promptsDir } from '../media/prompts'
import { SipFrontEnd } from '../sip/front-end'
import { createLogger, type Logger } from '../telemetry/logger'
import { Metrics } from '../telemetry/metrics'
import { connectRedis, type RedisLike } from '../redis/connect'
import { describeRedis } from '../redis/settings'
import { TrunkChannels } from '../trunks/channels'
import type { ServiceEnv } from './env'
import { DEFAULT_DOOR_LIMITS, doorDecision } from '../sip/door'
import { buildHttp } from './http'
import { LoadMonitor } from './load-monitor'
import { OfferListener } from './offer-listener'
import { SITE_POLL_MS, SiteWatch } from './site-watch'
import { EnvError } from '../redis/settings'
import { ProbeService, udpAddress } from '../probes/probe-service'
import { StateWatch } from './state-watch'

/** Heartbeat period and lifetime: an instance that stops is noticed by the others within ~8 s. */
const HEARTBEAT_MS = 2000
const ALIVE_TTL_MS = 6000
/** How often the media servers are searched for channels no call of this instance holds. */
const REAP_MS = 5000

/**
 * The running service: Redis, drachtio-server, FreeSWITCH media servers, the ACD engine and the
 * SIP front end. A dependency that is unreachable is named in the logs and retried; it never
 * crashes the process.
 */
export class Service {
  readonly log: Logger
  readonly metrics = new Metrics({ defaultMetrics: true })
  readonly store: ConfigStore
  readonly redis: RedisLike
  private readonly offers: OfferListener
  private readonly watch: InstanceWatch
  private readonly outbox: EngineOutbox
  private readonly ends: EndJournal
  readonly engine: AcdEngine
  readonly srf = new Srf()
  private readonly mrf: Mrf
  private readonly mediaServers: Mrf.MediaServer[] = []
  private readonly gateway: MediaGateway | undefined
  readonly frontEnd: SipFrontEnd
  private readonly channels: TrunkChannels
  private readonly registrar: Registrar
  private drachtioUp = false
  private stopping = false
  private draining = false
  private drained = false
  private readonly load: LoadMonitor
  private readonly reaper: MediaReaper | undefined
  private started = false
  private readonly timers: NodeJS.Timeout[] = []
  private readonly http
  private readonly sites: SiteWatch
  /** a drain asked through Redis (`npm run site -- drain-instance`): no new calls, no exit */
  private drainAsked = false
  private readonly probes: ProbeService
  private frontDoor?: string
  private readonly stateWatch: StateWatch

  constructor(readonly env: ServiceEnv) {
    this.log = createLogger({ level: env.logLevel, name: 'acd' }).child({ instance: env.instanceId })
    this.store = new ConfigStore(env.configPath)
    const retry = (what: string) => (attempt: number) => {
      this.log.warn({ dependency: what, attempt }, `${what} unreachable, retrying`)
      return Math.min(2000, 100 * attempt)
    }
    // Sentinel or Cluster when the environment says so: the connection (and the offer readers'
    // duplicates of it) follows a failover by itself
    this.redis = connectRedis(env.redis, { retryStrategy: retry('redis') })
    this.log.info({ dependency: 'redis', mode: env.redis.mode, redis: describeRedis(env.redis) }, 'redis')
    this.redis.on('error', (err) => this.log.debug({ err: err.message }, 'redis error'))
    // back after an outage (a restart may have lost the queue definitions): write them again
    this.redis.on('ready', () => {
      if (!this.started) return
      this.log.info({ dependency: 'redis' }, 'redis is back: configuration written again')
      this.engine
        .applyConfig(this.store.current)
        .then(() => this.stateWatch.check())
        .then(() => this.outbox.flush())
        .then(() => this.ends.replay())
        .catch((err: unknown) => this.log.error({ err }, 'configuration could not be written after redis came back'))
    })
    const config = this.store.current
    this.engine = new AcdEngine(this.redis, config, { instanceId: env.instanceId, logger: this.log, metrics: this.metrics })
    this.watch = new InstanceWatch(this.redis, this.engine, this.log)
    if (env.site !== undefined && !config.sites.has(env.site)) throw new EnvError('SITE', `"${env.site}" is not a site of ${env.configPath} (its sites: ${[...config.sites.keys()].join(', ') || 'none'})`)
    this.sites = new SiteWatch(this.engine, env.site, { drainAsked: (asked) => this.followDrain(asked) }, this.log, this.metrics)
    this.outbox = new EngineOutbox(this.log)
    this.offers = new OfferListener(this.redis, env.instanceId, (n) => this.engine.emit('notice', n), this.log)
    this.channels = new TrunkChannels(this.redis, config, env.instanceId)
    this.ends = new EndJournal({ redis: this.redis, engine: this.engine, channels: this.channels, log: this.log })
    this.registrar = new Registrar(this.redis, config, env.drachtio.secret + env.instanceId)
    this.mrf = new Mrf(this.srf)
    this.gateway = env.freeswitch.length ? new FreeswitchGateway(() => this.mediaServers) : undefined
    this.load = new LoadMonitor(() => this.mediaServers)
    this.reaper = this.gateway ? new MediaReaper(() => this.mediaServers, (this.gateway as FreeswitchGateway).held, this.log, env.mediaOrphanSeconds) : undefined
    const limits = { ...DEFAULT_DOOR_LIMITS, ...env.door }
    this.frontEnd = new SipFrontEnd({
      srf: this.srf,
      engine: this.engine,
      registrar: this.registrar,
      channels: this.channels,
      media: () => this.gateway,
      log: this.log,
      metrics: this.metrics,
      sourceRate: env.sourceRate,
      deferred: this.outbox,
      ends: this.ends,
      door: () =>
        doorDecision(
          {
            redisReady: () => this.redis.status === 'ready',
            draining: () => this.draining,
            callsInSetup: () => this.frontEnd.callsInSetup,
            loopLagMs: () => this.load.loopLagMs(),
            mediaLoad: () => (this.gateway ? this.load.mediaLoad() : undefined),
          },
          limits,
        ),
    })
    this.frontEnd.attach(this.srf)
    this.stateWatch = new StateWatch({ redis: this.redis, engine: this.engine, channels: this.channels, calls: () => this.frontEnd.liveCalls(), log: this.log })
    this.store.on('changed', (c) => {
      this.engine
        .applyConfig(c)
        .then(() => {
          this.channels.setConfig(c)
          this.registrar.setConfig(c)
          this.frontEnd.setConfig(c)
          if (this.started) this.offers.follow(this.engine.pools())
          this.log.info('configuration reloaded')
        })
        .catch((err: unknown) => this.log.error({ err }, 'the new configuration could not be written to Redis; reload again once it is reachable'))
    })
    this.store.on('refused', (err: Error) => this.log.error({ problems: (err as { problems?: unknown }).problems }, 'configuration refused; keeping the running one'))
    const probeDeps = { engine: this.engine, registrar: this.registrar, redis: this.redis, config: () => this.engine.platform, metrics: this.metrics, log: this.log }
    this.probes = new ProbeService(env.probes, { ...probeDeps, frontDoor: () => (this.drachtioUp && !this.draining ? this.frontDoor : undefined) })
    this.http = buildHttp(this.metrics, this)
  }

  /** Ready for new calls: every dependency up and not draining; each one named. */
  async health(): Promise<{ ok: boolean; [k: string]: unknown }> {
    const redis = this.redis.status === 'ready'
    const media = this.mediaServers.filter((m) => m.connected()).length
    const ok = redis && this.drachtioUp && (this.env.freeswitch.length === 0 || media > 0) && !this.draining
    return {
      ok,
      instance: this.env.instanceId,
      redis,
      drachtio: this.drachtioUp,
      mediaServers: { configured: this.env.freeswitch.length, connected: media, load: this.load.mediaLoad() },
      calls: this.frontEnd.activeCalls,
      callsInSetup: this.frontEnd.callsInSetup,
      eventLoopLagMs: Math.round(this.load.loopLagMs()),
      draining: this.draining,
      drained: this.drained,
      drain: this.draining ? (this.drained ? 'drained' : 'draining') : undefined,
      site: this.env.site,
      sites: Object.fromEntries([...this.engine.sites.notUp()].map(([s, r]) => [s, r.state])),
      probes: this.probes.health(),
    }
  }

  /** A drain asked through Redis: new calls get 503 (the door), the calls in progress finish; the process stays. */
  private followDrain(asked: boolean): void {
    if (asked === this.drainAsked || this.stopping) return
    this.drainAsked = asked
    if (!asked) {
      this.draining = this.drained = false
      this.log.info('drain lifted: taking new calls')
      return
    }
    void this.drain(Infinity)
  }

  /**
   * Stops taking calls (503 with Retry-After at the door, not ready on /readyz), lets the calls in
   * progress finish for at most `drainMs`, then says so (log line and /health's `drained`).
   */
  async drain(drainMs: number): Promise<void> {
    this.draining = true
    this.log.info({ calls: this.frontEnd.activeCalls, drainMs }, 'draining: no new calls')
    const until = Date.now() + drainMs
    while (this.frontEnd.activeCalls > 0 && Date.now() < until && this.draining) await new Promise((r) => setTimeout(r, 100))
    if (!this.draining) return
    this.drained = this.frontEnd.activeCalls === 0
    if (this.drained) this.log.info('drained: no call left')
    else this.log.warn({ calls: this.frontEnd.activeCalls }, 'drain time over: calls still up are cut')
  }

  async start(): Promise<void> {
    await this.http.listen({ host: this.env.httpHost, port: this.env.httpPort })
    this.log.info({ port: this.env.httpPort }, 'http listening (/health, /metrics)')
    await this.untilReady(() => this.engine.applyConfig(this.store.current), 'redis')
    await this.untilReady(() => this.stateWatch.begin(), 'redis')
    this.connectDrachtio()
    for (const fs of this.env.freeswitch) void this.connectMedia(fs)
    this.timers.push(setInterval(() => void this.tick(), 200))
    this.timers.push(setInterval(() => void this.heartbeat(), HEARTBEAT_MS))
    this.timers.push(setInterval(() => void (this.redis.status === 'ready' && this.sites.poll()), SITE_POLL_MS))
    if (this.reaper) this.timers.push(setInterval(() => void this.reaper!.reap().catch(() => undefined), REAP_MS))
    this.timers.push(setInterval(() => void closingSweep(this.engine, this.store.current, new Date(), this.log).catch(() => undefined), REAP_MS))
    await this.heartbeat()
    await this.sites.poll()
    this.load.start()
    this.offers.follow(this.engine.pools())
    this.started = true
    if (this.env.freeswitch.length > 0) this.checkPrompts()
    this.probes.start()
    this.log.info('service started')
  }

  /** Says which tenants would play silence for want of prompt files (the default set not generated). */
  private checkPrompts(): void {
    for (const tenant of this.store.current.tenants.values()) {
      const missing = missingPrompts(tenant)
      if (missing.length > 0)
        this.log.warn(
          { tenant: tenant.id, language: tenant.language, missing: missing.length, example: missing[0], dir: promptsDir(), promptDir: tenant.promptDir },
          'prompt files missing: callers would hear silence for them (generate the default set with `npm run prompts`)',
        )
    }
  }

  private async untilReady(f: () => Promise<unknown>, what: string): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await f()
        return
      } catch (err) {
        this.log.warn({ dependency: what, attempt, err: (err as Error).message }, `${what} not ready, retrying`)
        await new Promise((r) => setTimeout(r, Math.min(2000, 200 * attempt)))
      }
    }
  }

  private connectDrachtio(): void {
    const { host, port, secret } = this.env.drachtio
    this.srf.on('connect', (err: Error, hostport: string) => {
      if (err) return
      this.drachtioUp = true
      this.frontDoor = udpAddress(hostport)
      this.log.info({ dependency: 'drachtio', hostport }, 'connected to drachtio-server')
    })
    this.srf.on('error', (err: Error) => {
      if (this.drachtioUp) this.log.warn({ dependency: 'drachtio', err: err.message }, 'drachtio-server connection lost, retrying')
      else this.log.warn({ dependency: 'drachtio', err: err.message, host, port }, 'drachtio-server unreachable, retrying')
      this.drachtioUp = false
    })
    this.srf.on('disconnect', () => {
      this.drachtioUp = false
    })
    // drachtio-srf reconnects by itself after a lost or refused connection.
    this.srf.connect({ host, port, secret })
  }

  private async connectMedia(fs: { host: string; port: number; secret: string }): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const ms = await this.mrf.connect({ address: fs.host, port: fs.port, secret: fs.secret, listenAddress: this.env.mediaListenAddress, advertisedAddress: this.env.mediaAdvertisedAddress })
        this.mediaServers.push(ms)
        this.log.info({ dependency: 'freeswitch', host: fs.host, port: fs.port }, 'connected to FreeSWITCH')
        await new Promise<void>((resolve) => {
          ms.once('end', () => resolve())
          ms.once('error', () => resolve())
        })
        this.mediaServers.splice(this.mediaServers.indexOf(ms), 1)
        this.log.warn({ dependency: 'freeswitch', host: fs.host, port: fs.port }, 'FreeSWITCH connection lost, retrying')
        attempt = 0
      } catch (err) {
        this.log.warn({ dependency: 'freeswitch', host: fs.host, port: fs.port, attempt, err: (err as Error).message }, 'FreeSWITCH unreachable, retrying')
        await new Promise((r) => setTimeout(r, Math.min(2000, 200 * attempt)))
      }
    }
  }

  private async tick(): Promise<void> {
    if (this.redis.status !== 'ready') return
    try {
      await this.engine.tick()
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'timer run failed')
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.redis.status !== 'ready') return
    try {
      await this.channels.heartbeat(ALIVE_TTL_MS)
      if (this.outbox.size) await this.outbox.flush()
      await this.watch.announce()
      await this.stateWatch.snapshot()
      for (const r of await this.watch.sweep()) for (const [tenant, n] of Object.entries(r.lost)) this.metrics.callsLost.inc({ tenant }, n)
      const released = await this.channels.sweep()
      if (released > 0) this.log.warn({ released }, 'released trunk channels of instances that stopped')
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'heartbeat failed')
    }
  }

  async stop(): Promise<void> {
    this.stopping = true
    this.load.stop()
    this.probes.stop()
    for (const t of this.timers) clearInterval(t)
    await this.http.close()
    for (const ms of this.mediaServers) ms.disconnect()
    this.srf.disconnect()
    this.offers.stop()
    this.redis.disconnect()
  }
}
