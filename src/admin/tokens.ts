// API tokens: random, shown once at creation, stored as a SHA-256 only; bound to one tenant
// (except platform admins) and one role, with an expiry; revocable.
import { createHash, randomBytes } from 'node:crypto'
import { keys, PLATFORM_POOL } from '../acd/keys'
import type { RedisLike } from '../redis/connect'

export const ROLES = ['platform-admin', 'tenant-admin', 'supervisor', 'reporting', 'agent'] as const
export type Role = (typeof ROLES)[number]

export interface TokenRecord {
  id: string
  /** null for a platform admin's token */
  tenant: string | null
  role: Role
  /** the agent an `agent` token acts as */
  agent?: string
  name: string
  created_at: string
  expires_at: string
  revoked_at?: string
  created_by?: string
}

export const tokenHash = (secret: string): string => createHash('sha256').update(secret).digest('hex')

export class TokenStore {
  private readonly records = keys.apiTokens(PLATFORM_POOL)
  private readonly hashes = keys.apiTokenHashes(PLATFORM_POOL)

  constructor(
    private readonly redis: RedisLike,
    private readonly now: () => number = Date.now,
  ) {}

  async create(o: { tenant: string | null; role: Role; agent?: string; name: string; ttlSeconds: number; createdBy?: string }): Promise<{ token: string; record: TokenRecord }> {
    const id = `tok_${randomBytes(9).toString('base64url')}`
    const token = `acd_${randomBytes(32).toString('base64url')}`
    const record: TokenRecord = {
      id,
      tenant: o.tenant,
      role: o.role,
      ...(o.agent ? { agent: o.agent } : {}),
      name: o.name,
      created_at: new Date(this.now()).toISOString(),
      expires_at: new Date(this.now() + o.ttlSeconds * 1000).toISOString(),
      ...(o.createdBy ? { created_by: o.createdBy } : {}),
    }
    await this.redis.multi().hset(this.records, id, JSON.stringify(record)).hset(this.hashes, tokenHash(token), id).exec()
    return { token, record }
  }

  /** The token's record when it is known, not expired and not revoked. */
  async verify(secret: string): Promise<TokenRecord | undefined> {
    const id = await this.redis.hget(this.hashes, tokenHash(secret))
    const record = id ? await this.get(id) : undefined
    if (!record || record.revoked_at || Date.parse(record.expires_at) <= this.now()) return undefined
    return record
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const json = await this.redis.hget(this.records, id)
    return json ? (JSON.parse(json) as TokenRecord) : undefined
  }

  /** The tokens of a tenant (null: the platform admins' tokens), oldest first. */
  async list(tenant: string | null): Promise<TokenRecord[]> {
    const all = Object.values(await this.redis.hgetall(this.records)).map((j) => JSON.parse(j) as TokenRecord)
    return all.filter((r) => r.tenant === tenant).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
  }

  async update(id: string, change: { name?: string; expires_at?: string; revoked_at?: string }): Promise<TokenRecord | undefined> {
    const record = await this.get(id)
    if (!record) return undefined
    const next = { ...record, ...change }
    await this.redis.hset(this.records, id, JSON.stringify(next))
    return next
  }

  async revoke(id: string): Promise<TokenRecord | undefined> {
    const record = await this.get(id)
    if (!record) return undefined
    return record.revoked_at ? record : this.update(id, { revoked_at: new Date(this.now()).toISOString() })
  }
}
