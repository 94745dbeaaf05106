import type { Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
import { adminMetrics } from '../../src/admin/metrics'
import { AcdEngine } from '../../src/acd/engine'
import { registerAdminApi } from '../../src/admin/api'
import { AuditLog } from '../../src/admin/audit'
import type { AdminContext } from '../../src/admin/context'
import { TokenStore, type Role } from '../../src/admin/tokens'
import { ConfigSync } from '../../src/config/config-sync'
import { ConfigRepo } from '../../src/config/redis-config'
import { withRedis } from './redis'
import { adminPlatformFile } from './admin-platform'

/**
 * The administration API on a real Redis, the tests' platform (admin-platform.ts) bootstrapped
 * from its file, an engine applying each new version as the service does.
 */
export async function adminFixture(t: Test, opts: { file?: string; authFailuresPerMinute?: number } = {}) {
  const { redis, server } = await withRedis(t)
  const repo = new ConfigRepo(redis)
  const boot = await repo.bootstrap(opts.file ?? adminPlatformFile())
  const engine = new AcdEngine(redis, boot.config, { instanceId: 'admin-test' })
  await engine.applyConfig(boot.config)
  const sync = new ConfigSync(repo, boot.version, (c) => engine.applyConfig(c), undefined, 60_000)
  const tokens = new TokenStore(redis)
  const registry = new Registry()
  const ctx: AdminContext = {
    metrics: adminMetrics(registry),
    redis,
    repo,
    tokens,
    audit: new AuditLog(redis, 30 * 86400_000),
    engine,
    applied: async () => sync.check(),
    authFailuresPerMinute: opts.authFailuresPerMinute ?? 1000,
  }
  const app: FastifyInstance = Fastify({ logger: false })
  await registerAdminApi(app, ctx, { error: () => undefined })
  await app.ready()
  t.teardown(() => app.close())
  const token = async (role: Role, tenant: string | null, agent?: string) => (await tokens.create({ tenant, role, agent, name: `${role}-${tenant}`, ttlSeconds: 3600 })).token
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, tok: string | undefined, body?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...headers }, ...(body !== undefined ? (typeof body === 'string' ? { payload: body } : { payload: body as object }) : {}) })
  return { app, ctx, redis, server, repo, engine, sync, tokens, token, call, registry }
}
