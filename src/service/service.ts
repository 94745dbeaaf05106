import Srf from 'drachtio-srf'
import { closingSweep } from '../routing/closing'
import Mrf from 'drachtio-fsmrf'
import { AcdEngine } from '../acd/engine'
import { InstanceWatch } from '../acd/recovery'
import { EngineOutbox } from '../call/engine-outbox'
import { EndJournal } from './end-journal'
import { Registrar } from '../agents/registrar'
import { ConfigStore } from '../config/store'
import { ConfigRepo } from '../config/redis-config'
import type { PlatformConfig } from '../config/model'
import { FreeswitchGateway, type MediaGateway } from '../media/gateway'
import { MediaReaper } from '../media/media-reaper'
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
import { ConfigFollower } from './config-follower'
import { mountAdminApi } from '../admin/mount'
import { adminMetrics } from '../admin/metrics'
import { SITE_POLL_MS, SiteWatch } from './site-watch'
import { EnvError } from '../redis/settings'
import { ProbeService, udpAddress } from '../probes/probe-service'
import { StateWatch } from './state-watch'
import { MediaServers, warnMissingPrompts } from './media-servers'
import { heartbeat, timerRun } from './heartbeat'

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
  private readonly media: MediaServers
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
  readonly configRepo: ConfigRepo
  private readonly follower: ConfigFollower
  private readonly adminMounted: Promise<void>
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
        .then(() => this.follower.check())
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
    this.media = new MediaServers(new Mrf(this.srf), { listen: env.mediaListenAddress, advertised: env.mediaAdvertisedAddress }, this.log)
    this.gateway = env.freeswitch.length ? new FreeswitchGateway(() => this.media.list) : undefined
    this.load = new LoadMonitor(() => this.media.list)
    this.reaper = this.gateway ? new MediaReaper(() => this.media.list, (this.gateway as FreeswitchGateway).held, this.log, env.mediaOrphanSeconds) : undefined
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
    this.configRepo = new ConfigRepo(this.redis)
    const admin = adminMetrics(this.metrics.registry)
    this.follower = new ConfigFollower(this.configRepo, this.store, env.configPath, (c) => this.applyEverywhere(c), this.log, (v) => admin.configVersion.set(v))
    this.store.on('changed', (c: PlatformConfig) => {
      this.follower
        .applyInOrder(c)
        .then(() => this.log.info('configuration reloaded'))
        .catch((err: unknown) => this.log.error({ err }, 'the new configuration could not be written to Redis; reload again once it is reachable'))
    })
    this.store.on('refused', (err: Error) => this.log.error({ problems: (err as { problems?: unknown }).problems }, 'configuration refused; keeping the running one'))
    const probeDeps = { engine: this.engine, registrar: this.registrar, redis: this.redis, config: () => this.engine.platform, metrics: this.metrics, log: this.log }
    this.probes = new ProbeService(env.probes, { ...probeDeps, frontDoor: () => (this.drachtioUp && !this.draining ? this.frontDoor : undefined) })
    this.http = buildHttp(this.metrics, this)
    this.adminMounted = mountAdminApi(this.http, { redis: this.redis, repo: this.configRepo, engine: this.engine, applied: () => this.follower.check(), log: this.log, settings: env.admin, metrics: admin })
  }

  /** The engine (queue definitions, requalification of logged-in agents), trunks, registrar, SIP front end. */
  private async applyEverywhere(c: PlatformConfig): Promise<void> {
    await this.engine.applyConfig(c)
    this.channels.setConfig(c)
    this.registrar.setConfig(c)
    this.frontEnd.setConfig(c)
    if (this.started) this.offers.follow(this.engine.pools())
  }

  /** SIGHUP: the YAML file imported into Redis when it changed; every instance then applies it. */
  reloadFile(): Promise<void> {
    return this.follower.reloadFile()
  }

  /** Ready for new calls: every dependency up and not draining; each one named. */
  async health(): Promise<{ ok: boolean; [k: string]: unknown }> {
    const redis = this.redis.status === 'ready'
    const media = this.media.connected
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
    await this.adminMounted
    await this.http.listen({ host: this.env.httpHost, port: this.env.httpPort })
    this.log.info({ port: this.env.httpPort }, 'http listening (/health, /metrics, /v1 administration API, /docs)')
    // the configuration in force is the version in Redis (the file bootstraps it)
    await this.untilReady(() => this.follower.start(), 'redis')
    await this.untilReady(() => this.stateWatch.begin(), 'redis')
    this.connectDrachtio()
    for (const fs of this.env.freeswitch) void this.media.keep(fs)
    const beat = heartbeat({ redis: this.redis, channels: this.channels, outbox: this.outbox, watch: this.watch, stateWatch: this.stateWatch, metrics: this.metrics, log: this.log }, ALIVE_TTL_MS)
    this.timers.push(setInterval(() => void timerRun(this.redis, this.engine, this.log), 200))
    this.timers.push(setInterval(() => void beat(), HEARTBEAT_MS))
    this.timers.push(setInterval(() => void (this.redis.status === 'ready' && this.sites.poll()), SITE_POLL_MS))
    if (this.reaper) this.timers.push(setInterval(() => void this.reaper!.reap().catch(() => undefined), REAP_MS))
    this.timers.push(setInterval(() => void closingSweep(this.engine, this.store.current, new Date(), this.log).catch(() => undefined), REAP_MS))
    await beat()
    await this.sites.poll()
    this.load.start()
    this.offers.follow(this.engine.pools())
    this.started = true
    if (this.env.freeswitch.length > 0) warnMissingPrompts(this.store.current, this.log)
    this.probes.start()
    this.log.info('service started')
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

  async stop(): Promise<void> {
    this.stopping = true
    this.load.stop()
    this.probes.stop()
    for (const t of this.timers) clearInterval(t)
    this.follower.stop()
    await this.http.close()
    this.media.stop()
    this.srf.disconnect()
    this.offers.stop()
    this.redis.disconnect()
  }
}
