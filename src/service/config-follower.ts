import { ConfigSync } from '../config/config-sync'
import type { PlatformConfig } from '../config/model'
import type { ConfigRepo } from '../config/redis-config'
import type { ConfigStore } from '../config/store'
import type { Logger } from '../telemetry/logger'

/**
 * The service's side of the configuration in Redis: the file bootstraps it (or is imported when it
 * changed), then every new version is applied, one at a time and in order, through `apply` (the
 * reload path: engine, trunks, registrar, SIP front end).
 */
export class ConfigFollower {
  private sync: ConfigSync | undefined
  private applying: Promise<void> = Promise.resolve()

  constructor(
    private readonly repo: ConfigRepo,
    private readonly store: ConfigStore,
    private readonly file: string,
    private readonly apply: (c: PlatformConfig) => Promise<void>,
    private readonly log: Logger,
    /** told the version in force after each one applied */
    private readonly onVersion: (version: number) => void = () => undefined,
  ) {}

  /** Applies `c` after the changes before it; rejects when it could not be applied. */
  applyInOrder(c: PlatformConfig): Promise<void> {
    const run = this.applying.then(() => this.apply(c))
    this.applying = run.catch(() => undefined)
    return run
  }

  /** At start: the version in Redis (the file written or imported first), in force here, then followed. */
  async start(): Promise<void> {
    const boot = await this.repo.bootstrap(this.file)
    this.store.replace(boot.config, { silent: true })
    await this.applyInOrder(boot.config)
    this.onVersion(boot.version)
    this.log.info({ version: boot.version, imported: boot.imported }, 'configuration version in force')
    this.sync?.stop()
    this.sync = new ConfigSync(
      this.repo,
      boot.version,
      async (c, version) => {
        this.store.replace(c, { silent: true })
        await this.applyInOrder(c)
        this.onVersion(version)
      },
      this.log,
      2000,
      boot.raw,
    )
    this.sync.start()
  }

  /** Resolves once the newest version in Redis is in force here. */
  async check(): Promise<void> {
    await this.sync?.check()
  }

  /** SIGHUP: the file imported as a new version when it changed since its last import. */
  async reloadFile(): Promise<void> {
    try {
      const r = await this.repo.bootstrap(this.file)
      if (r.imported) this.log.info({ version: r.version }, 'configuration file imported')
      await this.check()
    } catch (err) {
      this.log.error({ err: (err as Error).message, problems: (err as { problems?: unknown }).problems }, 'configuration refused; keeping the running one')
    }
  }

  stop(): void {
    this.sync?.stop()
  }
}
