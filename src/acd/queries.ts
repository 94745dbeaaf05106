import type { RedisLike } from '../redis/connect'
import type { Queue } from '../config/model'
import { keys } from './keys'
import { AGENT_STATES, type AgentState, type CallPosition, type CallState, type QueueSnapshot } from './types'

/**
 * Position (1 = next) and estimated wait of a call: its rank among the queue's waiting calls, and
 * the queue's mean handle time (talk + wrap-up; 3 minutes before any call completed) spread over
 * the agents staffing it.
 */
export async function callPosition(redis: RedisLike, pool: string, call: Record<string, string>, queue: Queue): Promise<CallPosition> {
  const tenant = call['tenant'] ?? queue.tenant
  const [rank, staffed, stats] = await Promise.all([
    redis.zrank(keys.queueWaiting(pool, tenant, queue.id), call['id']!),
    redis.scard(keys.queueStaffed(pool, tenant, queue.id)),
    redis.hmget(keys.queueStats(pool, tenant, queue.id), 'completed', 'talk_ms'),
  ])
  const position = rank === null ? 0 : rank + 1
  const completed = Number(stats[0] ?? 0)
  const handleMs = (completed > 0 ? Number(stats[1]) / completed : 180_000) + queue.wrapUpSeconds * 1000
  const estimatedWaitSeconds = position === 0 ? 0 : Math.round((position * handleMs) / Math.max(1, staffed) / 1000)
  return { state: call['state'] as CallState, position, estimatedWaitSeconds }
}

/** A queue's live figures: waiting calls, longest wait, its agents by state, its counters. */
export async function queueSnapshot(redis: RedisLike, pool: string, tenant: string, queue: string, now: number): Promise<QueueSnapshot> {
  const [waiting, callbacks, oldest, staffed, stats] = await Promise.all([
    redis.zcard(keys.queueWaiting(pool, tenant, queue)),
    redis.zcard(keys.queueCallbacks(pool, tenant, queue)),
    redis.zrange(keys.queueSince(pool, tenant, queue), 0, 0, 'WITHSCORES'),
    redis.smembers(keys.queueStaffed(pool, tenant, queue)),
    redis.hgetall(keys.queueStats(pool, tenant, queue)),
  ])
  const agents = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>
  if (staffed.length > 0) {
    const pipe = redis.pipeline()
    for (const a of staffed) pipe.hget(keys.agent(pool, a), 'state')
    for (const [, s] of (await pipe.exec()) ?? []) {
      const st = (s as AgentState | null) ?? 'logged-out'
      agents[st] = (agents[st] ?? 0) + 1
    }
  }
  return {
    tenant,
    queue,
    waiting,
    callbacks,
    longestWaitMs: oldest[1] !== undefined ? Math.max(0, now - Number(oldest[1])) : 0,
    agents,
    stats: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, Number(v)])),
  }
}
