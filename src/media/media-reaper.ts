import type Mrf from 'drachtio-fsmrf'
import type { Logger } from '../telemetry/logger'

interface ChannelRow {
  uuid: string
  created_epoch: string
  application_data?: string
}

/**
 * The last line of defence against channels left on a media server: a channel handed to this
 * instance (its dialplan points at this instance's event-socket listener) that no endpoint of
 * this instance holds any more, older than `minAgeSeconds`, is hung up and reported. Channels of
 * other instances sharing the media server are left alone.
 */
export class MediaReaper {
  constructor(
    private readonly servers: () => Mrf.MediaServer[],
    private readonly held: ReadonlySet<string>,
    private readonly log: Logger,
    private readonly minAgeSeconds = 30,
  ) {}

  /** Hangs up this instance's orphaned channels; resolves how many. */
  async reap(nowSeconds = Date.now() / 1000): Promise<number> {
    let reaped = 0
    for (const ms of this.servers().filter((s) => s.connected())) {
      const mine = `${(ms as unknown as { advertisedAddress: string }).advertisedAddress}:${(ms as unknown as { advertisedPort: number }).advertisedPort} `
      let rows: ChannelRow[] = []
      try {
        rows = (JSON.parse(await ms.api('show channels as json')) as { rows?: ChannelRow[] }).rows ?? []
      } catch {
        continue
      }
      const orphans = rows.filter((r) => (r.application_data ?? '').startsWith(mine) && !this.held.has(r.uuid) && nowSeconds - Number(r.created_epoch) > this.minAgeSeconds)
      for (const r of orphans) await ms.api(`uuid_kill ${r.uuid}`).catch(() => undefined)
      if (orphans.length) this.log.warn({ channels: orphans.length, uuids: orphans.slice(0, 5).map((r) => r.uuid) }, 'media channels no call holds were hung up')
      reaped += orphans.length
    }
    return reaped
  }
}
