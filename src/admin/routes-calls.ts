// Supervisor call actions on waiting calls (move to another queue of the tenant keeping its place,
// priority, hang-up), waiting calls, queue figures and the tenant's history.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { keys } from '../acd/keys'
import { superviseCall, type SuperviseAction } from '../acd/supervise'
import { readHistory } from '../events/history'
import { EVENTS, type EventType } from '../events/contract'
import type { Role } from './tokens'
import type { AdminContext } from './context'
import { notFound } from './errors'

const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }
const callId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$' }
const SUPERVISORS: Role[] = ['platform-admin', 'tenant-admin', 'supervisor']
const FIGURES: Role[] = [...SUPERVISORS, 'reporting']

export function callRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const tenantOf = (req: FastifyRequest): string => {
    const tenant = (req.params as { tenant: string }).tenant
    if (!ctx.engine.platform.tenants.has(tenant)) throw notFound()
    return tenant
  }
  const queueOf = (req: FastifyRequest): { tenant: string; queue: string } => {
    const tenant = tenantOf(req)
    const queue = (req.params as { queue: string }).queue
    if (!ctx.engine.platform.tenants.get(tenant)!.queues.some((q) => q.id === queue)) throw notFound()
    return { tenant, queue }
  }
  const callView = (tenant: string, c: Record<string, string>, position?: number) => ({
    call: c['id'],
    queue: c['queue'],
    state: c['state'],
    priority: Number(c['prio']),
    ...(position !== undefined ? { position } : {}),
    caller: c['caller'] || undefined,
    attributes: c['attrs'] ? JSON.parse(c['attrs']) : {},
    waited_ms: Math.max(0, ctx.engine.clock.now() - Number(c['enq'])),
    tenant,
  })

  app.get('/v1/tenants/:tenant/queues/:queue/calls', { schema: { tags: ['calls'], summary: 'The calls waiting in a queue, in order', params: { type: 'object', properties: { tenant: id, queue: id } } }, config: { access: { roles: SUPERVISORS } } }, async (req) => {
    const { tenant, queue } = queueOf(req)
    const pool = ctx.engine.poolOf(tenant)
    const ids = await ctx.redis.zrange(keys.queueWaiting(pool, tenant, queue), 0, 999)
    const items = []
    for (const [i, c] of ids.entries()) {
      const h = await ctx.redis.hgetall(keys.call(pool, tenant, c))
      if (h['id']) items.push(callView(tenant, h, i + 1))
    }
    return { items }
  })
  app.get('/v1/tenants/:tenant/queues/:queue/stats', { schema: { tags: ['figures'], summary: "A queue's live figures: waiting calls, longest wait, agents by state, counters", params: { type: 'object', properties: { tenant: id, queue: id } } }, config: { access: { roles: FIGURES } } }, async (req) => {
    const { tenant, queue } = queueOf(req)
    return ctx.engine.snapshot(tenant, queue)
  })
  app.get(
    '/v1/tenants/:tenant/history',
    {
      schema: {
        tags: ['figures'],
        summary: "The tenant's history (typed events), oldest first",
        params: { type: 'object', properties: { tenant: id } },
        querystring: { type: 'object', additionalProperties: false, properties: { since: { type: 'integer', minimum: 0, description: 'ms since the epoch' }, until: { type: 'integer', minimum: 0 }, call: callId, type: { type: 'array', items: { enum: Object.keys(EVENTS) } }, limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 } } },
      },
      config: { access: { roles: FIGURES } },
    },
    async (req) => {
      const tenant = tenantOf(req)
      const q = req.query as { since?: number; until?: number; call?: string; type?: EventType[]; limit?: number }
      const items = await readHistory(ctx.redis, ctx.engine.poolOf(tenant), tenant, { start: q.since, end: q.until, call: q.call, types: q.type, count: q.limit ?? 500, onInvalid: () => undefined })
      return { items }
    },
  )
  app.get('/v1/tenants/:tenant/calls/:call', { schema: { tags: ['calls'], summary: 'A call in the ACD', params: { type: 'object', properties: { tenant: id, call: callId } } }, config: { access: { roles: SUPERVISORS } } }, async (req) => {
    const tenant = tenantOf(req)
    const c = await ctx.engine.callState(tenant, (req.params as { call: string }).call)
    if (!c) throw notFound()
    return callView(tenant, c)
  })
  const action = (name: 'move' | 'priority' | 'hangup', summary: string, body: object | undefined, toAction: (b: Record<string, unknown>) => SuperviseAction) => {
    app.post(`/v1/tenants/:tenant/calls/:call/${name}`, { schema: { tags: ['calls'], summary, params: { type: 'object', properties: { tenant: id, call: callId } }, ...(body ? { body } : {}) }, config: { access: { roles: SUPERVISORS, action: `calls.${name}` } } }, async (req) => {
      const tenant = tenantOf(req)
      const call = (req.params as { call: string }).call
      const before = await ctx.engine.callState(tenant, call)
      if (!before) throw notFound()
      const r = await superviseCall(ctx.engine, tenant, call, toAction((req.body ?? {}) as Record<string, unknown>))
      req.auditNote = { action: `calls.${name}`, object_type: 'calls', object_id: call, before: callView(tenant, before), after: r }
      return r
    })
  }
  action('move', 'Move a waiting call to another queue of the tenant (it keeps its place)', { type: 'object', additionalProperties: false, required: ['queue'], properties: { queue: id } }, (b) => ({ action: 'move', queue: b['queue'] as string }))
  action('priority', "Change a waiting call's priority", { type: 'object', additionalProperties: false, required: ['priority'], properties: { priority: { type: 'integer', minimum: 0, maximum: 99 } } }, (b) => ({ action: 'priority', priority: b['priority'] as number }))
  action('hangup', 'Hang up a waiting call', undefined, () => ({ action: 'hangup' }))
}
