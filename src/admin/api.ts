// The administration API: Fastify plugins under /v1, an OpenAPI 3 document (/openapi.json) with a
// browsable UI (/docs), one auth hook, one error format.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import { installAuth } from './auth'
import type { AdminContext } from './context'
import { ApiError, errorHandler, sendError } from './errors'
import { agentRoutes } from './routes-agents'
import { auditRoutes } from './routes-audit'
import { callRoutes } from './routes-calls'
import { configRoutes } from './routes-config'
import { ioRoutes } from './routes-io'
import { tokenRoutes } from './routes-tokens'

export const API_VERSION = 'v1'

/** Adds the administration API to the service's HTTP server. */
export async function registerAdminApi(app: FastifyInstance, ctx: AdminContext, log: { error: (o: object, m: string) => void }): Promise<void> {
  // who may call each operation, told in the document (x-roles, x-self): the isolation test walks
  // every operation with every role from it
  const access = new Map<string, { roles: readonly string[]; self?: string }>()
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'ACD softswitch administration API', version: API_VERSION, description: 'Tenant-scoped configuration, agent state, supervisor actions, tokens and audit. Every route takes `Authorization: Bearer <token>`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // only the API's routes (not health or metrics)
    hiddenTag: 'internal',
    transform: ({ schema, url }) => ({ schema: url.startsWith('/v1/') ? schema : { ...schema, hide: true }, url }),
    transformObject: ((documentObject: unknown) => {
      const openapiObject = (documentObject as unknown as { openapiObject: { paths?: Record<string, unknown> } }).openapiObject
      for (const [path, ops] of Object.entries(openapiObject.paths ?? {}))
        for (const [method, op] of Object.entries(ops as Record<string, Record<string, unknown>>)) {
          const a = access.get(`${method.toUpperCase()} ${path}`)
          if (!a) continue
          op['x-roles'] = a.roles
          if (a.self) op['x-self'] = a.self
          op['description'] = `Roles: ${a.roles.join(', ')}${a.self ? ` (an agent token: its own agent, \`${a.self}\`)` : ''}.`
        }
      return openapiObject
    }) as never,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(async (api) => {
    // bodies of configuration objects are validated by the configuration's own validator (the
    // whole document, as the YAML is); other bodies, parameters and queries here, every problem at once
    const body = addFormats(new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, strict: false }))
    const other = addFormats(new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, strict: false }))
    api.setValidatorCompiler(({ schema, httpPart }) => {
      if ((schema as Record<string, unknown>)['x-config-document']) return () => true
      return (httpPart === 'body' ? body : other).compile(schema)
    })
    api.addHook('onRoute', (r) => {
      const a = r.config?.access
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
      if (a) for (const m of [r.method].flat()) access.set(`${m} ${path}`, { roles: a.roles, ...(a.self ? { self: a.self } : {}) })
    })
    api.setErrorHandler(errorHandler(log))
    api.setNotFoundHandler((_req, reply) => sendError(reply, new ApiError(404, 'NOT_FOUND', 'no such object')))
    installAuth(api, ctx)
    configRoutes(api, ctx)
    tokenRoutes(api, ctx)
    auditRoutes(api, ctx)
    agentRoutes(api, ctx)
    callRoutes(api, ctx)
    ioRoutes(api, ctx)
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
