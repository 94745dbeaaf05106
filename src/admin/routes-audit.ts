// Reading and exporting a tenant's audit log (JSON, JSON lines, CSV). No route writes, edits or
// deletes it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { auditCsv, auditJsonLines, PLATFORM_AUDIT } from './audit'
import type { AdminContext } from './context'
import { notFound } from './errors'

const query = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    after: { type: 'string', pattern: '^[0-9]+-[0-9]+$', description: 'the id of the last entry of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
    format: { enum: ['json', 'jsonl', 'csv'], default: 'json' },
  },
}

export function auditRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const send = async (req: FastifyRequest, reply: FastifyReply, tenant: string) => {
    const q = req.query as { since?: string; until?: string; after?: string; limit?: number; format?: string }
    const entries = await ctx.audit.read(tenant, { since: q.since ? Date.parse(q.since) : undefined, until: q.until ? Date.parse(q.until) : undefined, after: q.after, limit: q.limit ?? 1000 })
    if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').send(auditCsv(entries))
    if (q.format === 'jsonl') return reply.type('application/x-ndjson').send(auditJsonLines(entries))
    const last = entries.at(-1)
    return entries.length === (q.limit ?? 1000) && last ? { items: entries, next_after: last.id } : { items: entries }
  }
  app.get(
    '/v1/tenants/:tenant/audit',
    { schema: { tags: ['audit'], summary: "The tenant's audit log (append-only; json, jsonl or csv)", params: { type: 'object', properties: { tenant: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } } }, querystring: query }, config: { access: { roles: ['platform-admin', 'tenant-admin'] } } },
    async (req, reply) => {
      const tenant = (req.params as { tenant: string }).tenant
      const stored = await ctx.repo.read()
      // a deleted tenant's audit stays readable by the platform admins for its retention
      if (!stored?.raw.tenants.some((t: { id: string }) => t.id === tenant) && req.principal?.tenant !== null) throw notFound()
      return send(req, reply, tenant)
    },
  )
  app.get('/v1/audit', { schema: { tags: ['audit'], summary: 'The platform-wide audit log (platform tokens, unauthenticated attempts)', querystring: query }, config: { access: { roles: ['platform-admin'] } } }, (req, reply) => send(req, reply, PLATFORM_AUDIT))
}
