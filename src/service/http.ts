import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { Metrics } from '../telemetry/metrics'

export interface HealthSource {
  health(): Promise<{ ok: boolean; [k: string]: unknown }>
}

/** Health and Prometheus metrics over HTTP. */
export function buildHttp(metrics: Metrics, health: HealthSource): FastifyInstance {
  const app = Fastify({ logger: false })
  // /readyz (and /health, the same): ready for new calls; /healthz: the process answers
  const ready = async (_req: unknown, reply: FastifyReply) => {
    const h = await health.health()
    return reply.code(h.ok ? 200 : 503).send(h)
  }
  app.get('/readyz', ready)
  app.get('/health', ready)
  app.get('/healthz', async () => ({ ok: true, uptimeSeconds: Math.round(process.uptime()) }))
  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  return app
}
