// The probes' schedule: each probe runs once per tick of its period (tick = floor(now / period)),
// on whichever instance takes the tick's run in Redis first (SET NX: the nonce its call carries);
// the result goes to this instance's metrics and to the probe's last result in Redis, from which
// every instance sets acd_probe_up.
import { randomBytes } from 'node:crypto'
import { keys } from '../acd/keys'
import type { PlatformConfig } from '../config/model'
import type { Probe } from '../config/probes'
import type { RedisLike } from '../redis/connect'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { ProbeResult } from './runner'

export interface SchedulerDeps {
  redis: RedisLike
  config: () => PlatformConfig
  metrics: Metrics
  log: Logger
  /** whether this instance can run probes now (its SIP sides connected, not draining): else it takes no run */
  canRun(): boolean
  run(probe: Probe, tick: number, nonce: string): Promise<ProbeResult>
  now?: () => number
}

const STEP_MS = 500
const GAUGE_REFRESH_MS = 5000

export class ProbeScheduler {
  private readonly lastTick = new Map<string, number>()
  private readonly running = new Set<string>()
  private timer?: NodeJS.Timeout
  private lastRefresh = 0
  private stepping = false

  constructor(private readonly deps: SchedulerDeps) {}

  get runs(): number {
    return this.running.size
  }

  start(): void {
    this.timer = setInterval(() => void this.step().catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'probe schedule step failed')), STEP_MS)
  }

  stop(): void {
    clearInterval(this.timer)
  }

  async step(): Promise<void> {
    if (this.stepping) return
    this.stepping = true
    try {
      const config = this.deps.config()
      const now = (this.deps.now ?? Date.now)()
      for (const p of config.probes?.probes ?? []) await this.consider(config, p, now)
      if (now - this.lastRefresh >= GAUGE_REFRESH_MS) {
        this.lastRefresh = now
        await this.refreshGauges(config)
      }
    } finally {
      this.stepping = false
    }
  }

  private async consider(config: PlatformConfig, p: Probe, now: number): Promise<void> {
    const name = `${p.tenant}/${p.id}`
    const periodMs = p.everySeconds * 1000
    const tick = Math.floor(now / periodMs)
    if (this.running.has(name) || this.lastTick.get(name) === tick || !this.deps.canRun()) return
    this.lastTick.set(name, tick)
    const pool = config.tenants.get(p.tenant)!.pool
    const nonce = randomBytes(12).toString('hex')
    const taken = await this.deps.redis.set(keys.probeRun(pool, p.tenant, p.id, tick), nonce, 'PX', periodMs + p.timeoutSeconds * 1000, 'NX')
    if (taken !== 'OK') return // another instance runs this tick
    this.running.add(name)
    void this.deps
      .run(p, tick, nonce)
      .then((r) => this.record(pool, p, tick, r))
      .catch((err: unknown) => this.deps.log.error({ err, tenant: p.tenant, probe: p.id }, 'probe result not recorded'))
      .finally(() => this.running.delete(name))
  }

  private async record(pool: string, p: Probe, tick: number, r: ProbeResult): Promise<void> {
    const { metrics, log } = this.deps
    const labels = { tenant: p.tenant, probe: p.id }
    metrics.probeRuns.inc({ ...labels, result: r.ok ? 'success' : r.reason })
    metrics.probeUp.set(labels, r.ok ? 1 : 0)
    if (r.ok) {
      metrics.probeSetupSeconds.observe(labels, r.setupMs / 1000)
      log.info({ ...labels, tick, setupMs: r.setupMs }, 'probe succeeded')
    } else log.warn({ ...labels, tick, reason: r.reason, detail: r.detail }, 'probe failed')
    await this.deps.redis.hset(keys.probeLast(pool, p.tenant, p.id), {
      tick,
      result: r.ok ? 'success' : r.reason,
      reason: r.ok ? '' : r.detail,
      setup_ms: r.ok ? r.setupMs : '',
      at: (this.deps.now ?? Date.now)(),
    })
  }

  /** acd_probe_up from the last result of each probe, whichever instance ran it. */
  private async refreshGauges(config: PlatformConfig): Promise<void> {
    for (const p of config.probes?.probes ?? []) {
      const last = await this.deps.redis.hget(keys.probeLast(config.tenants.get(p.tenant)!.pool, p.tenant, p.id), 'result')
      if (last) this.deps.metrics.probeUp.set({ tenant: p.tenant, probe: p.id }, last === 'success' ? 1 : 0)
    }
  }
}
