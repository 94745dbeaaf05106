// The audit log: per tenant, append-only (a Redis stream; no route edits or deletes it), trimmed
// by age (the retention). Every administrative and supervisor action, and every refused attempt.
import { keys, PLATFORM_POOL } from '../acd/keys'
import type { RedisLike } from '../redis/connect'

/** The audit of actions that belong to no tenant (platform tokens, unauthenticated attempts). */
export const PLATFORM_AUDIT = '_platform'

export interface AuditEntry {
  id?: string
  ts: string
  /** the token's id ('' when none was valid) */
  token: string
  role: string
  source: string
  method: string
  path: string
  action: string
  outcome: 'ok' | 'refused'
  status: number
  object_type?: string
  object_id?: string
  before?: unknown
  after?: unknown
  reason?: string
}

export const AUDIT_COLUMNS = ['id', 'ts', 'token', 'role', 'source', 'method', 'path', 'action', 'outcome', 'status', 'object_type', 'object_id', 'before', 'after', 'reason'] as const

export class AuditLog {
  constructor(
    private readonly redis: RedisLike,
    /** entries older than this are trimmed (XADD MINID, exact: the audit is written seldom) */
    readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async append(tenant: string | null, entry: Omit<AuditEntry, 'ts' | 'id'>): Promise<string> {
    const fields: string[] = ['ts', new Date(this.now()).toISOString()]
    for (const [k, v] of Object.entries(entry)) {
      if (v === undefined) continue
      fields.push(k, typeof v === 'string' ? v : k === 'status' ? String(v) : JSON.stringify(v))
    }
    const minId = Math.max(0, this.now() - this.retentionMs)
    return (await this.redis.xadd(keys.audit(PLATFORM_POOL, tenant ?? PLATFORM_AUDIT), 'MINID', String(minId), '*', ...fields))!
  }

  /** Entries oldest first from `after` (an entry id, exclusive) or `since` (ms), at most `limit`. */
  async read(tenant: string, o: { since?: number; until?: number; after?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const start = o.after ? `(${o.after}` : o.since !== undefined ? String(o.since) : '-'
    const end = o.until !== undefined ? String(o.until) : '+'
    const rows = await this.redis.xrange(keys.audit(PLATFORM_POOL, tenant), start, end, 'COUNT', o.limit ?? 1000)
    return rows.map(([id, flat]) => {
      const e: Record<string, unknown> = { id }
      for (let i = 0; i < flat.length; i += 2) {
        const k = flat[i]!
        const v = flat[i + 1]!
        e[k] = k === 'status' ? Number(v) : k === 'before' || k === 'after' ? JSON.parse(v) : v
      }
      return e as unknown as AuditEntry
    })
  }
}

const csvCell = (v: unknown): string => {
  const s = v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function auditCsv(entries: AuditEntry[]): string {
  const lines = [AUDIT_COLUMNS.join(',')]
  for (const e of entries) lines.push(AUDIT_COLUMNS.map((c) => csvCell((e as unknown as Record<string, unknown>)[c])).join(','))
  return `${lines.join('\n')}\n`
}

export const auditJsonLines = (entries: AuditEntry[]): string => entries.map((e) => `${JSON.stringify(e)}\n`).join('')
