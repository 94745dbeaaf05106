// Every instance follows the configuration's version in Redis: told by pub/sub, and polling in
// case a message was missed (a reconnection); each new version is validated and applied through
// the reload path (ConfigStore 'changed'), one at a time, in order.
import type { RedisLike } from '../redis/connect'
import { silentLogger, type Logger } from '../telemetry/logger'
import { ConfigError } from './errors'
import type { PlatformConfig } from './model'
import { CONFIG_CHANNEL, type ConfigRepo, type RawConfig } from './redis-config'
import { validateRaw } from './load'

export class ConfigSync {
  private sub: RedisLike | undefined
  private timer: NodeJS.Timeout | undefined
  private chain: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(
    private readonly repo: ConfigRepo,
    /** the version in force in this instance */
    public version: number,
    private readonly apply: (config: PlatformConfig, version: number) => Promise<void>,
    private readonly log: Logger = silentLogger,
    private readonly pollMs = 2000,
    /** the document of the version in force (put back if Redis loses it) */
    private raw?: RawConfig,
  ) {}

  start(): void {
    const sub = this.repo.redis.duplicate()
    this.sub = sub
    sub.on('error', (err: Error) => this.log.debug({ err: err.message }, 'configuration subscriber: redis error'))
    sub.on('message', () => void this.check())
    void sub.subscribe(CONFIG_CHANNEL).catch(() => undefined)
    sub.on('ready', () => void this.check())
    this.timer = setInterval(() => void this.check(), this.pollMs)
  }

  /** Applies the version in Redis when it is newer than the one in force; resolves once done. */
  check(): Promise<void> {
    this.chain = this.chain.then(() => this.step()).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'configuration version check failed'))
    return this.chain
  }

  private async step(): Promise<void> {
    if (this.stopped) return
    const current = await this.repo.version()
    if (current === 0 && this.raw && this.version > 0) {
      // Redis came back without its data: the version in force here goes back, under its number
      if (await this.repo.restore(this.raw, this.version)) this.log.warn({ version: this.version }, 'configuration was lost from Redis: the version in force written back')
      return
    }
    if (current <= this.version) return
    const stored = await this.repo.read()
    if (!stored || stored.version <= this.version) return
    let config: PlatformConfig
    try {
      config = validateRaw(stored.raw, `redis (version ${stored.version})`)
    } catch (err) {
      // written by another release with keys this one does not know: keep the running one
      if (!(err instanceof ConfigError)) throw err
      this.log.error({ version: stored.version, problems: err.problems }, 'configuration version refused; keeping the running one')
      this.version = stored.version
      return
    }
    await this.apply(config, stored.version)
    this.version = stored.version
    this.raw = stored.raw
    this.log.info({ version: stored.version }, 'configuration version applied')
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.sub?.disconnect()
  }
}
