import type { AcdEngine } from '../acd/engine'
import type { ConfigRepo } from '../config/redis-config'
import type { RedisLike } from '../redis/connect'
import type { AuditLog } from './audit'
import type { AdminMetrics } from './metrics'
import type { Role, TokenRecord } from './tokens'
import type { TokenStore } from './tokens'

/** What the administration API stands on. */
export interface AdminContext {
  redis: RedisLike
  repo: ConfigRepo
  tokens: TokenStore
  audit: AuditLog
  /** the engine of this instance, on the configuration in force here */
  engine: AcdEngine
  /** resolves once this instance applies a configuration version at least this one */
  applied(version: number): Promise<void>
  /** failed authentications per source address and minute before it is refused (429) */
  authFailuresPerMinute: number
  /** each audited action and refusal is also logged, with its tenant and token */
  log?: { info: (o: object, m: string) => void }
  metrics?: AdminMetrics
}

/** Who may call a route: these roles; `self` names the path parameter an agent token must match. */
export interface Access {
  roles: readonly Role[]
  self?: string
  /** the audit action name (mutations and supervisor actions) */
  action?: string
}

export interface AuditNote {
  action: string
  object_type?: string
  object_id?: string
  before?: unknown
  after?: unknown
  /** the audit the entry goes to (default: the route's tenant, else the caller's) */
  tenant?: string | null
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    principal?: TokenRecord
    /** why the request was refused before its handler (written to the audit) */
    refusal?: string
    /** what the handler did (written to the audit) */
    auditNote?: AuditNote
  }
}
