// One hook for every /v1 route: the bearer token, its tenant, its role; failed authentications
// rate-limited per source address; and the audit entry of what was done or refused.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { keys, PLATFORM_POOL } from '../acd/keys'
import { PLATFORM_AUDIT } from './audit'
import type { AdminContext } from './context'
import { ApiError, notFound } from './errors'

const WINDOW_MS = 60_000

export function installAuth(app: FastifyInstance, ctx: AdminContext): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const access = req.routeOptions.config?.access
    if (!access) return
    const throttle = keys.apiAuthThrottle(PLATFORM_POOL, req.ip)
    const failures = Number((await ctx.redis.get(throttle)) ?? 0)
    if (failures >= ctx.authFailuresPerMinute) {
      req.refusal = 'too many failed authentications'
      const ttl = await ctx.redis.pttl(throttle)
      reply.header('retry-after', String(Math.max(1, Math.ceil(ttl / 1000))))
      throw new ApiError(429, 'TOO_MANY_FAILURES', 'too many failed authentications from this address; try again later')
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    const record = m ? await ctx.tokens.verify(m[1]!) : undefined
    if (!record) {
      await ctx.redis.multi().set(throttle, '0', 'PX', WINDOW_MS, 'NX').incr(throttle).exec()
      req.refusal = m ? 'unknown, expired or revoked token' : 'no bearer token'
      reply.header('www-authenticate', 'Bearer')
      throw new ApiError(401, 'UNAUTHENTICATED', 'a valid bearer token is needed')
    }
    req.principal = record
    const params = (req.params ?? {}) as Record<string, string>
    if (params['tenant'] !== undefined && record.tenant !== null && record.tenant !== params['tenant']) {
      req.refusal = 'another tenant'
      throw notFound()
    }
    if (record.role === 'agent' && access.roles.includes('agent') && access.self && params[access.self] !== record.agent) {
      req.refusal = 'another agent'
      throw notFound()
    }
    if (!access.roles.includes(record.role)) {
      req.refusal = `role ${record.role} may not`
      throw new ApiError(403, 'FORBIDDEN', `the role ${record.role} may not do this`)
    }
  })

  // the audit: what a handler did, and every refused attempt (any refused change; a read refused
  // for the token, the tenant or the role)
  app.addHook('onSend', async (req, reply, payload) => {
    const access = req.routeOptions.config?.access
    if (!access) return payload
    const status = reply.statusCode
    const p = req.principal
    const params = (req.params ?? {}) as Record<string, string>
    const base = { token: p?.id ?? '', role: p?.role ?? '', source: req.ip, method: req.method, path: req.url.split('?')[0]! }
    const note = req.auditNote
    if (note && status < 400) {
      const { tenant, ...rest } = note
      const to = (tenant !== undefined ? tenant : (params['tenant'] ?? p?.tenant)) ?? PLATFORM_AUDIT
      await ctx.audit.append(to, { ...base, ...rest, outcome: 'ok', status })
      ctx.metrics?.actions.inc({ tenant: to, action: rest.action, outcome: 'ok' })
      ctx.log?.info({ tenant: to, action: rest.action, object: rest.object_id, token: base.token, role: base.role, source: base.source, status }, 'administration action')
    } else if (status >= 400 && (req.refusal || req.method !== 'GET' || status === 403)) {
      let reason = req.refusal
      if (!reason && typeof payload === 'string') {
        try {
          const body = JSON.parse(payload) as { error?: { code?: string; message?: string } }
          reason = `${body.error?.code}: ${body.error?.message}`
        } catch {
          reason = 'refused'
        }
      }
      // a refusal is the caller's business: it goes to the caller's tenant, not the one it named
      const action = access.action ?? `${req.method} ${req.routeOptions.url}`
      await ctx.audit.append(p?.tenant ?? PLATFORM_AUDIT, { ...base, action, outcome: 'refused', status, reason })
      ctx.metrics?.actions.inc({ tenant: p?.tenant ?? PLATFORM_AUDIT, action, outcome: 'refused' })
      ctx.log?.info({ tenant: p?.tenant ?? PLATFORM_AUDIT, action, token: base.token, role: base.role, source: base.source, status, reason }, 'administration request refused')
    }
    return payload
  })
}
