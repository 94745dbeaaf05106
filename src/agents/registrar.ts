import type { RedisLike } from '../redis/connect'
import { keys } from '../acd/keys'
import type { Agent, PlatformConfig, Tenant } from '../config/model'
import { challengeHeader, NonceIssuer, parseDigest, verifyDigest } from './digest'

export interface Registration {
  agent: string
  tenant: string
  contact: string
  source: string
  expiresAt: number
}

export type AuthOutcome =
  | { ok: true; agent: Agent; tenant: Tenant }
  | { ok: false; status: 401 | 403 | 404; reason: string; challenge?: string }

const MAX_FAILURES = 5
const FAILURE_WINDOW_S = 60

/**
 * Agent authentication (digest against the HA1 of the tenant realm) and registrations in Redis.
 * A realm is a tenant's sip_domain: an agent authenticates only in the realms of the tenants it may
 * serve. Repeated failures from one source address in a realm are throttled in that realm.
 * Registrations and failure counts are tenant data: their keys sit in the slot of the tenant's pool
 * and carry the tenant (keys.registration, keys.authThrottle).
 */
export class Registrar {
  readonly nonces: NonceIssuer

  constructor(
    private readonly redis: RedisLike,
    private config: PlatformConfig,
    secret?: string,
  ) {
    this.nonces = new NonceIssuer(secret)
  }

  setConfig(config: PlatformConfig): void {
    this.config = config
  }

  tenantByDomain(domain: string): Tenant | undefined {
    const d = domain.toLowerCase()
    for (const t of this.config.tenants.values()) if (t.sipDomain === d) return t
    return undefined
  }

  agentBySipUser(username: string): Agent | undefined {
    for (const a of this.config.agents.values()) if (a.sipUsername === username) return a
    return undefined
  }

  private regKey(tenant: Tenant, agent: string): string {
    return keys.registration(tenant.pool, tenant.id, agent)
  }

  private throttleKey(tenant: Tenant, source: string): string {
    return keys.authThrottle(tenant.pool, tenant.id, source)
  }

  /** Whether `source` failed to authenticate too often lately in the realm of `tenant`. */
  async throttled(tenant: Tenant, source: string): Promise<boolean> {
    return Number((await this.redis.get(this.throttleKey(tenant, source))) ?? 0) >= MAX_FAILURES
  }

  private async failed(tenant: Tenant, source: string): Promise<void> {
    const key = this.throttleKey(tenant, source)
    // one transaction: the count never outlives its window (EXPIRE NX keeps the first failure's)
    await this.redis.multi().incr(key).expire(key, FAILURE_WINDOW_S, 'NX').exec()
  }

  /** Authenticates a request from an agent phone in the realm `domain`. */
  async authenticate(method: string, domain: string, authorization: string | undefined, source: string): Promise<AuthOutcome> {
    const tenant = this.tenantByDomain(domain)
    if (!tenant) return { ok: false, status: 404, reason: `unknown domain ${domain}` }
    if (await this.throttled(tenant, source)) return { ok: false, status: 403, reason: 'too many failed attempts; try later' }
    const fields = parseDigest(authorization)
    const challenge = challengeHeader(tenant.sipDomain, this.nonces.issue())
    if (!fields) return { ok: false, status: 401, reason: 'authentication required', challenge }
    if (fields['realm'] !== tenant.sipDomain) {
      await this.failed(tenant, source)
      return { ok: false, status: 403, reason: `credentials for realm ${fields['realm']} presented to ${tenant.sipDomain}` }
    }
    if (!this.nonces.valid(fields['nonce'] ?? '')) {
      return { ok: false, status: 401, reason: 'stale nonce', challenge: challengeHeader(tenant.sipDomain, this.nonces.issue(), true) }
    }
    const agent = this.agentBySipUser(fields['username'] ?? '')
    const stored = agent?.ha1[tenant.id]
    if (!agent || !stored || !agent.tenants.includes(tenant.id) || !verifyDigest(fields, method, stored)) {
      await this.failed(tenant, source)
      return { ok: false, status: 403, reason: 'bad credentials' }
    }
    return { ok: true, agent, tenant }
  }

  async register(tenant: Tenant, agent: Agent, contact: string, source: string, expiresS: number): Promise<void> {
    const key = this.regKey(tenant, agent.id)
    if (expiresS <= 0) {
      await this.redis.del(key)
      return
    }
    const expiresAt = Date.now() + expiresS * 1000
    await this.redis.multi().hset(key, { contact, source, expires_at: expiresAt }).pexpire(key, expiresS * 1000).exec()
  }

  /** The agent's live registration, preferring the realm of `tenant`. */
  async contactFor(agentId: string, tenant: string): Promise<Registration | undefined> {
    const agent = this.config.agents.get(agentId)
    if (!agent) return undefined
    const order = [tenant, ...agent.tenants.filter((t) => t !== tenant)]
    for (const tid of order) {
      const t = this.config.tenants.get(tid)
      if (!t || !agent.tenants.includes(tid)) continue
      const h = await this.redis.hgetall(this.regKey(t, agentId))
      if (h['contact']) return { agent: agentId, tenant: tid, contact: h['contact'], source: h['source'] ?? '', expiresAt: Number(h['expires_at']) }
    }
    return undefined
  }
}
