import type { FastifyInstance } from 'fastify'
import type { AcdEngine } from '../acd/engine'
import type { ConfigRepo } from '../config/redis-config'
import type { RedisLike } from '../redis/connect'
import type { Logger } from '../telemetry/logger'
import { registerAdminApi } from './api'
import { AuditLog } from './audit'
import type { AdminMetrics } from './metrics'
import { TokenStore } from './tokens'

export interface AdminSettings {
  /** AUDIT_RETENTION_DAYS: audit entries older than this are trimmed */
  auditRetentionDays: number
  /** API_AUTH_FAILURES_PER_MINUTE: failed authentications per source address and minute before 429 */
  authFailuresPerMinute: number
}

/** The administration API on the service's HTTP server, over its Redis, configuration and engine. */
export function mountAdminApi(
  http: FastifyInstance,
  deps: { redis: RedisLike; repo: ConfigRepo; engine: AcdEngine; applied: (version: number) => Promise<void>; log: Logger; settings: AdminSettings; metrics: AdminMetrics },
): Promise<void> {
  return registerAdminApi(
    http,
    {
      redis: deps.redis,
      repo: deps.repo,
      engine: deps.engine,
      tokens: new TokenStore(deps.redis),
      audit: new AuditLog(deps.redis, deps.settings.auditRetentionDays * 86_400_000),
      applied: deps.applied,
      authFailuresPerMinute: deps.settings.authFailuresPerMinute,
      log: deps.log,
      metrics: deps.metrics,
    },
    deps.log,
  )
}
