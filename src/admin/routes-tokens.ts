// API tokens as a resource: created (the secret shown once), read, listed, changed (name, an
// earlier expiry), revoked. A tenant admin makes tokens of its own tenant only; platform-admin
// tokens (no tenant) are the platform admins' own.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AdminContext } from './context'
import { ApiError, notFound } from './errors'
import { pageQuery } from './routes-config'
import { ROLES, type Role, type TokenRecord } from './tokens'

const MAX_TTL_SECONDS = 366 * 86400
const tenantParam = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }
const idParam = { type: 'string', pattern: '^tok_[A-Za-z0-9_-]{1,32}$' }
const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'name'],
  properties: {
    role: { enum: ROLES.filter((r) => r !== 'platform-admin') },
    name: { type: 'string', minLength: 1, maxLength: 80 },
    agent: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'the agent an agent token acts as (role agent only)' },
    ttl_seconds: { type: 'integer', minimum: 60, maximum: MAX_TTL_SECONDS, default: 90 * 86400 },
  },
}
const patchBody = {
  type: 'object',
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 80 }, expires_at: { type: 'string', format: 'date-time', description: 'only earlier than the current expiry' } },
}
const ADMINS: Role[] = ['platform-admin', 'tenant-admin']

export function tokenRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const tags = ['tokens']
  const scopeOf = (req: FastifyRequest): string | null => ((req.params as Record<string, string>)['tenant'] as string | undefined) ?? null
  const find = async (req: FastifyRequest): Promise<TokenRecord> => {
    const r = await ctx.tokens.get((req.params as Record<string, string>)['id']!)
    if (!r || r.tenant !== scopeOf(req)) throw notFound()
    return r
  }
  const tenantKnown = async (tenant: string | null) => {
    if (tenant === null) return
    const stored = await ctx.repo.read()
    if (!stored?.raw.tenants.some((t: { id: string }) => t.id === tenant)) throw notFound()
  }
  for (const scoped of [true, false]) {
    const base = scoped ? '/v1/tenants/:tenant/tokens' : '/v1/tokens'
    const roles: Role[] = scoped ? ADMINS : ['platform-admin']
    const params = scoped ? { params: { type: 'object', properties: { tenant: tenantParam } } } : {}
    const itemParams = { type: 'object', properties: { ...(scoped ? { tenant: tenantParam } : {}), id: idParam } }
    const body = scoped ? createBody : { ...createBody, properties: { ...createBody.properties, role: { enum: ['platform-admin'] } } }
    app.post(base, { schema: { tags, summary: scoped ? "Create a token of the tenant (its secret is shown once)" : 'Create a platform-admin token (its secret is shown once)', ...params, body }, config: { access: { roles, action: 'tokens.create' } } }, async (req, reply) => {
      const tenant = scopeOf(req)
      await tenantKnown(tenant)
      const b = req.body as { role: Role; name: string; agent?: string; ttl_seconds?: number }
      if ((b.role === 'agent') !== (b.agent !== undefined)) throw new ApiError(400, 'INVALID', 'the request is invalid', [{ path: '/body/agent', reason: b.role === 'agent' ? 'an agent token names its agent' : 'only an agent token names an agent' }])
      if (b.agent) {
        const raw = (await ctx.repo.read())!.raw
        if (!(raw.agents ?? []).some((a: { id: string; tenants: string[] }) => a.id === b.agent && a.tenants.includes(tenant!))) throw new ApiError(400, 'INVALID', 'the request is invalid', [{ path: '/body/agent', reason: `the tenant has no agent "${b.agent}"` }])
      }
      const { token, record } = await ctx.tokens.create({ tenant, role: b.role, agent: b.agent, name: b.name, ttlSeconds: b.ttl_seconds ?? 90 * 86400, createdBy: req.principal?.id })
      req.auditNote = { action: 'tokens.create', object_type: 'tokens', object_id: record.id, after: record, tenant: tenant ?? '_platform' }
      return reply.code(201).send({ ...record, token })
    })
    app.get(base, { schema: { tags, summary: 'List tokens (never their secrets)', ...params, querystring: pageQuery }, config: { access: { roles } } }, async (req) => {
      const tenant = scopeOf(req)
      await tenantKnown(tenant)
      const { limit = 100, cursor } = req.query as { limit?: number; cursor?: string }
      const all = await ctx.tokens.list(tenant)
      const start = Number(cursor ?? 0)
      const items = all.slice(start, start + limit)
      return start + items.length < all.length ? { items, next_cursor: String(start + items.length) } : { items }
    })
    app.get(`${base}/:id`, { schema: { tags, summary: 'Read a token (never its secret)', params: itemParams }, config: { access: { roles } } }, (req) => find(req))
    app.patch(`${base}/:id`, { schema: { tags, summary: "Rename a token or bring its expiry forward", params: itemParams, body: patchBody }, config: { access: { roles, action: 'tokens.update' } } }, async (req) => {
      const before = await find(req)
      const b = req.body as { name?: string; expires_at?: string }
      if (b.expires_at !== undefined && !(Date.parse(b.expires_at) <= Date.parse(before.expires_at))) throw new ApiError(400, 'INVALID', 'the request is invalid', [{ path: '/body/expires_at', reason: 'an expiry can only be brought forward' }])
      const after = (await ctx.tokens.update(before.id, { ...(b.name ? { name: b.name } : {}), ...(b.expires_at ? { expires_at: new Date(b.expires_at).toISOString() } : {}) }))!
      req.auditNote = { action: 'tokens.update', object_type: 'tokens', object_id: before.id, before, after, tenant: before.tenant ?? '_platform' }
      return after
    })
    app.delete(`${base}/:id`, { schema: { tags, summary: 'Revoke a token', params: itemParams }, config: { access: { roles, action: 'tokens.revoke' } } }, async (req, reply) => {
      const before = await find(req)
      const after = await ctx.tokens.revoke(before.id)
      req.auditNote = { action: 'tokens.revoke', object_type: 'tokens', object_id: before.id, before, after, tenant: before.tenant ?? '_platform' }
      return reply.code(204).send()
    })
  }
}
