import type { AcdEngine } from '../acd/engine'
import type { InstanceWatch } from '../acd/recovery'
import type { EngineOutbox } from '../call/engine-outbox'
import type { RedisLike } from '../redis/connect'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { TrunkChannels } from '../trunks/channels'
import type { StateWatch } from './state-watch'

/** The engine's due timers, run while Redis is reachable (every instance runs them; each runs once). */
export async function timerRun(redis: RedisLike, engine: Pick<AcdEngine, 'tick'>, log: Logger): Promise<void> {
  if (redis.status !== 'ready') return
  try {
    await engine.tick()
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'timer run failed')
  }
}

/**
 * The instance's heartbeat: its liveness record (expiring after `aliveTtlMs`), what it kept to tell
 * the engine again, the snapshot it would restore from, and the recovery of the instances that
 * stopped (their calls, their trunk channels).
 */
export function heartbeat(
  d: { redis: RedisLike; channels: TrunkChannels; outbox: EngineOutbox; watch: InstanceWatch; stateWatch: StateWatch; metrics: Metrics; log: Logger },
  aliveTtlMs: number,
): () => Promise<void> {
  return async () => {
    if (d.redis.status !== 'ready') return
    try {
      await d.channels.heartbeat(aliveTtlMs)
      if (d.outbox.size) await d.outbox.flush()
      await d.watch.announce()
      await d.stateWatch.snapshot()
      for (const r of await d.watch.sweep()) for (const [tenant, n] of Object.entries(r.lost)) d.metrics.callsLost.inc({ tenant }, n)
      const released = await d.channels.sweep()
      if (released > 0) d.log.warn({ released }, 'released trunk channels of instances that stopped')
    } catch (err) {
      d.log.warn({ err: (err as Error).message }, 'heartbeat failed')
    }
  }
}
