// Agent state by API: read, log in, log out, pause with a reason code, unpause; and the agent's
// screen-pop (its current call of the tenant). An agent token reaches its own agent only.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { keys } from '../acd/keys'
import type { Role } from './tokens'
import type { AdminContext } from './context'
import { ApiError, notFound } from './errors'

const params = {
  type: 'object',
  properties: { tenant: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }, agent: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } },
}
const STATE_ROLES: Role[] = ['platform-admin', 'tenant-admin', 'supervisor', 'agent']

export function agentRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const tags = ['agent state']
  const target = (req: FastifyRequest): { tenant: string; agent: string } => {
    const { tenant, agent } = req.params as { tenant: string; agent: string }
    const a = ctx.engine.platform.agents.get(agent)
    if (!ctx.engine.platform.tenants.has(tenant) || !a || !a.tenants.includes(tenant)) throw notFound()
    return { tenant, agent }
  }
  /** The agent's state as this tenant may see it: its call only when it is one of the tenant's. */
  const stateOf = async (tenant: string, agent: string) => {
    const h = await ctx.redis.hgetall(keys.agent(ctx.engine.poolOf(tenant), agent))
    const session = h['tenants'] ? h['tenants'].split(',') : []
    const inTenant = session.includes(tenant)
    const call = h['call'] && h['call'].startsWith(`${tenant}/`) ? h['call'].slice(tenant.length + 1) : undefined
    return {
      agent,
      state: inTenant ? (h['state'] ?? 'logged-out') : 'logged-out',
      ...(inTenant && h['reason'] ? { reason: h['reason'] } : {}),
      ...(inTenant && call ? { call } : {}),
      ...(inTenant && h['pause_pending'] ? { pause_pending: h['pause_pending'] } : {}),
    }
  }
  const inSession = async (tenant: string, agent: string) => {
    const s = await stateOf(tenant, agent)
    if (s.state === 'logged-out') throw new ApiError(409, 'NOT_LOGGED_IN', `agent "${agent}" is not logged in to this tenant`)
  }

  app.get('/v1/tenants/:tenant/agents/:agent/state', { schema: { tags, summary: "An agent's state in the tenant", params }, config: { access: { roles: STATE_ROLES, self: 'agent' } } }, async (req) => {
    const { tenant, agent } = target(req)
    return stateOf(tenant, agent)
  })
  app.post('/v1/tenants/:tenant/agents/:agent/login', { schema: { tags, summary: 'Log the agent in to the tenant', params }, config: { access: { roles: STATE_ROLES, self: 'agent', action: 'agents.login' } } }, async (req) => {
    const { tenant, agent } = target(req)
    const before = await stateOf(tenant, agent)
    await ctx.engine.login(agent, [tenant])
    const after = await stateOf(tenant, agent)
    req.auditNote = { action: 'agents.login', object_type: 'agents', object_id: agent, before, after }
    return after
  })
  app.post('/v1/tenants/:tenant/agents/:agent/logout', { schema: { tags, summary: 'Log the agent out', params }, config: { access: { roles: STATE_ROLES, self: 'agent', action: 'agents.logout' } } }, async (req) => {
    const { tenant, agent } = target(req)
    await inSession(tenant, agent)
    const before = await stateOf(tenant, agent)
    await ctx.engine.logout(agent)
    const after = await stateOf(tenant, agent)
    req.auditNote = { action: 'agents.logout', object_type: 'agents', object_id: agent, before, after }
    return after
  })
  app.post(
    '/v1/tenants/:tenant/agents/:agent/pause',
    {
      schema: { tags, summary: 'Pause the agent with a reason code (during a call: when it ends)', params, body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', pattern: '^[a-z0-9_-]{1,32}$' } } } },
      config: { access: { roles: STATE_ROLES, self: 'agent', action: 'agents.pause' } },
    },
    async (req) => {
      const { tenant, agent } = target(req)
      await inSession(tenant, agent)
      const before = await stateOf(tenant, agent)
      const r = await ctx.engine.pause(agent, (req.body as { reason: string }).reason)
      const after = { ...(await stateOf(tenant, agent)), pending: r.pending }
      req.auditNote = { action: 'agents.pause', object_type: 'agents', object_id: agent, before, after }
      return after
    },
  )
  app.post('/v1/tenants/:tenant/agents/:agent/unpause', { schema: { tags, summary: 'Unpause the agent', params }, config: { access: { roles: STATE_ROLES, self: 'agent', action: 'agents.unpause' } } }, async (req) => {
    const { tenant, agent } = target(req)
    await inSession(tenant, agent)
    const before = await stateOf(tenant, agent)
    await ctx.engine.unpause(agent)
    const after = await stateOf(tenant, agent)
    req.auditNote = { action: 'agents.unpause', object_type: 'agents', object_id: agent, before, after }
    return after
  })
  app.get('/v1/tenants/:tenant/agents/:agent/screen-pop', { schema: { tags, summary: "The agent's current call of the tenant: caller, queue, attributes, wait", params }, config: { access: { roles: STATE_ROLES, self: 'agent' } } }, async (req) => {
    const { tenant, agent } = target(req)
    const s = await stateOf(tenant, agent)
    if (!('call' in s) || !s.call) return { agent, call: null }
    const c = await ctx.engine.callState(tenant, s.call)
    if (!c) return { agent, call: null }
    return { agent, call: s.call, queue: c['queue'], caller: c['caller'] || undefined, state: c['state'], attributes: c['attrs'] ? JSON.parse(c['attrs']) : {}, waited_ms: Math.max(0, ctx.engine.clock.now() - Number(c['enq'])) }
  })
}
