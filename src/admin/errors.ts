// The API's one error format: { error: { code, message, fields?: [{ path, reason }] } }.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AcdError } from '../acd/types'
import { ConfigError } from '../config/errors'
import { StaleVersion } from '../config/redis-config'

export interface FieldProblem {
  path: string
  reason: string
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** The one answer for an object that does not exist and for an object of another tenant. */
export const notFound = (): ApiError => new ApiError(404, 'NOT_FOUND', 'no such object')

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: { type: 'array', items: { type: 'object', required: ['path', 'reason'], properties: { path: { type: 'string' }, reason: { type: 'string' } } } },
      },
    },
  },
} as const

/** What an engine refusal means over HTTP. */
const ACD_STATUS: Record<string, number> = {
  NO_SUCH_AGENT: 404,
  NO_SUCH_CALL: 404,
  NO_SUCH_QUEUE: 404,
  NO_SUCH_TENANT: 404,
  BAD_REASON: 400,
  BAD_PRIORITY: 400,
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  if (err instanceof StaleVersion) return new ApiError(412, 'STALE', 'the object changed since it was read (If-Match); read it again')
  if (err instanceof ConfigError)
    return new ApiError(400, 'INVALID', `the configuration would be refused (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})`, err.problems.map((p) => ({ path: p.path, reason: p.reason })))
  if (err instanceof AcdError) {
    const status = ACD_STATUS[err.code] ?? 409
    return status === 404 ? notFound() : new ApiError(status, err.code, err.message)
  }
  const fe = err as FastifyError & { validation?: Array<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }>; validationContext?: string }
  if (fe.validation) {
    const fields = fe.validation.map((v) => ({
      path: `/${fe.validationContext ?? 'body'}${v.instancePath}${v.keyword === 'required' ? `/${String(v.params['missingProperty'])}` : ''}`,
      reason: v.keyword === 'additionalProperties' ? `unknown field "${String(v.params['additionalProperty'])}"` : v.keyword === 'required' ? 'required' : (v.message ?? 'invalid'),
    }))
    return new ApiError(400, 'INVALID', 'the request is invalid', fields)
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new ApiError(fe.statusCode, fe.code ?? 'BAD_REQUEST', fe.message)
  return new ApiError(500, 'INTERNAL', 'internal error')
}

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  const body: { code: string; message: string; fields?: FieldProblem[] } = { code: err.code, message: err.message }
  if (err.fields) body.fields = err.fields
  return reply.code(err.status).type('application/json').send({ error: body })
}

export function errorHandler(log: { error: (o: object, m: string) => void }) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const api = toApiError(err)
    if (api.status >= 500) log.error({ err, url: req.url }, 'administration API error')
    return sendError(reply, api)
  }
}
