import Fastify, { type FastifyInstance } from 'fastify'
import type { Metrics } from '../telemetry/metrics'

export interface HealthSource {
  health(): Promise<{ ok: boolean; [k: string]: unknown }>
}

/** Health and Prometheus metrics over HTTP. */
export function buildHttp(metrics: Metrics, health: HealthSource): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get('/health', async (_req, reply) => {
    const h = await health.health()
    return reply.code(h.ok ? 200 : 503).send(h)
  })
  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  return app
}
