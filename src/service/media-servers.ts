import type Mrf from 'drachtio-fsmrf'
import type { PlatformConfig } from '../config/model'
import { missingPrompts, promptsDir } from '../media/prompts'
import type { Logger } from '../telemetry/logger'

/**
 * The media servers the service keeps a connection to: each connected in turn, retried while
 * unreachable, dropped from the list while its connection is lost and taken again when it is back.
 */
export class MediaServers {
  readonly list: Mrf.MediaServer[] = []
  private stopping = false

  constructor(
    private readonly mrf: Mrf,
    private readonly addresses: { listen: string; advertised: string | undefined },
    private readonly log: Logger,
  ) {}

  get connected(): number {
    return this.list.filter((m) => m.connected()).length
  }

  /** Connects to one FreeSWITCH and keeps the connection until `stop`. */
  async keep(fs: { host: string; port: number; secret: string }): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const ms = await this.mrf.connect({ address: fs.host, port: fs.port, secret: fs.secret, listenAddress: this.addresses.listen, advertisedAddress: this.addresses.advertised })
        this.list.push(ms)
        this.log.info({ dependency: 'freeswitch', host: fs.host, port: fs.port }, 'connected to FreeSWITCH')
        await new Promise<void>((resolve) => {
          ms.once('end', () => resolve())
          ms.once('error', () => resolve())
        })
        this.list.splice(this.list.indexOf(ms), 1)
        this.log.warn({ dependency: 'freeswitch', host: fs.host, port: fs.port }, 'FreeSWITCH connection lost, retrying')
        attempt = 0
      } catch (err) {
        this.log.warn({ dependency: 'freeswitch', host: fs.host, port: fs.port, attempt, err: (err as Error).message }, 'FreeSWITCH unreachable, retrying')
        await new Promise((r) => setTimeout(r, Math.min(2000, 200 * attempt)))
      }
    }
  }

  stop(): void {
    this.stopping = true
    for (const ms of this.list) ms.disconnect()
  }
}

/** Says which tenants would play silence for want of prompt files (the default set not generated). */
export function warnMissingPrompts(config: PlatformConfig, log: Logger): void {
  for (const tenant of config.tenants.values()) {
    const missing = missingPrompts(tenant)
    if (missing.length > 0)
      log.warn(
        { tenant: tenant.id, language: tenant.language, missing: missing.length, example: missing[0], dir: promptsDir(), promptDir: tenant.promptDir },
        'prompt files missing: callers would hear silence for them (generate the default set with `npm run prompts`)',
      )
  }
}
