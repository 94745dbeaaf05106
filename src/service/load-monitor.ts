import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type Mrf from 'drachtio-fsmrf'

/** FreeSWITCH's `status`: "N session(s) - peak ..." and "min idle cpu MIN/IDLE". */
export function parseMediaStatus(output: string): { sessions: number; idlePercent: number } | undefined {
  const sessions = /(\d+)\s+session\(s\)\s+-\s+peak/.exec(output)
  const idle = /min idle cpu\s+[\d.]+\/([\d.]+)/.exec(output)
  if (!sessions || !idle) return undefined
  return { sessions: Number(sessions[1]), idlePercent: Number(idle[1]) }
}

/**
 * What the door reads about this instance's load, refreshed every `intervalMs`: the event loop's
 * delay (99th percentile over the interval) and the least loaded media server's sessions and CPU
 * idle as FreeSWITCH reports them.
 */
export class LoadMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
  private timer?: NodeJS.Timeout
  private lag = 0
  private media: { sessions: number; idlePercent: number } | undefined

  constructor(
    private readonly servers: () => Mrf.MediaServer[],
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.histogram.enable()
    this.timer = setInterval(() => void this.refresh(), this.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.histogram.disable()
  }

  loopLagMs(): number {
    return this.lag
  }

  mediaLoad(): { sessions: number; idlePercent: number } | undefined {
    return this.media
  }

  private async refresh(): Promise<void> {
    this.lag = this.histogram.percentile(99) / 1e6
    this.histogram.reset()
    const live = this.servers().filter((s) => s.connected())
    const loads = await Promise.all(live.map((s) => s.api('status').then(parseMediaStatus, () => undefined)))
    const known = loads.filter((l): l is { sessions: number; idlePercent: number } => l !== undefined)
    this.media = known.sort((a, b) => a.sessions - b.sessions)[0]
  }
}
