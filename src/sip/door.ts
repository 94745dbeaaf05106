// Admission at the door: decided for every new INVITE before any answer, Redis or media-server
// work, from the state of this instance. Over a threshold, new calls get 503 with Retry-After while
// the calls already up keep their quality.

export interface DoorSignals {
  /** Redis answers commands */
  redisReady(): boolean
  /** the instance is draining (stopping, or taken out of service) */
  draining(): boolean
  /** calls of this instance between the INVITE and the caller being queued or refused */
  callsInSetup(): number
  /** event-loop delay over the last interval, ms (99th percentile) */
  loopLagMs(): number
  /** sessions on the least loaded media server, and its own reported CPU idle (percent); undefined without media */
  mediaLoad(): { sessions: number; idlePercent: number } | undefined
}

export interface DoorLimits {
  maxCallsInSetup: number
  maxLoopLagMs: number
  maxMediaSessions: number
  minMediaIdlePercent: number
  /** seconds a refused caller is told to wait */
  retryAfterSeconds: number
}

export const DEFAULT_DOOR_LIMITS: DoorLimits = { maxCallsInSetup: 40, maxLoopLagMs: 250, maxMediaSessions: 1800, minMediaIdlePercent: 10, retryAfterSeconds: 5 }

export type DoorDecision = { open: true } | { open: false; reason: 'redis-unavailable' | 'draining' | 'setup-overload' | 'event-loop-lag' | 'media-overload'; retryAfter: number }

/** Whether a new call may come in now, and if not, why. */
export function doorDecision(s: DoorSignals, l: DoorLimits): DoorDecision {
  const refuse = (reason: Exclude<DoorDecision, { open: true }>['reason']): DoorDecision => ({ open: false, reason, retryAfter: l.retryAfterSeconds })
  if (s.draining()) return refuse('draining')
  if (!s.redisReady()) return refuse('redis-unavailable')
  if (s.callsInSetup() >= l.maxCallsInSetup) return refuse('setup-overload')
  if (s.loopLagMs() > l.maxLoopLagMs) return refuse('event-loop-lag')
  const media = s.mediaLoad()
  if (media && (media.sessions >= l.maxMediaSessions || media.idlePercent < l.minMediaIdlePercent)) return refuse('media-overload')
  return { open: true }
}

/**
 * Requests per source address and second (token bucket: `rate` per second, bursts of `burst`),
 * in memory and bounded: at most `maxSources` addresses are remembered (the least recently seen
 * are forgotten first), so a flood from many addresses cannot grow memory without bound.
 */
export class SourceLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxSources = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get size(): number {
    return this.buckets.size
  }

  /** True when a request from `source` may go on now (and counts it). */
  take(source: string): boolean {
    const now = this.now()
    const b = this.buckets.get(source) ?? { tokens: this.burst, at: now }
    this.buckets.delete(source) // re-inserted last: the map's order is the recency order
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate)
    b.at = now
    const ok = b.tokens >= 1
    if (ok) b.tokens -= 1
    this.buckets.set(source, b)
    if (this.buckets.size > this.maxSources) this.buckets.delete(this.buckets.keys().next().value!)
    return ok
  }
}
