// Create, read, list, update (merge patch) and delete for every configuration resource, over the
// configuration document in Redis: every change validated as a whole by the YAML's own validator
// and written by compare-and-set on the version (applied everywhere or nowhere); ETag / If-Match
// on each object.
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ConfigError } from '../config/errors'
import { StaleVersion, type RawConfig } from '../config/redis-config'
import type { AdminContext } from './context'
import { ApiError, errorSchema, notFound, type FieldProblem } from './errors'
import { findIn, publicPath, RESOURCES, type ResourceDef } from './resources'

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>

export const etagOf = (view: unknown): string => `"${createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 22)}"`

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

const tenantParam = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }
export const pageQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    cursor: { type: 'string', pattern: '^[0-9]+$', description: 'where the next page starts (next_cursor of the previous page)' },
    q: { type: 'string', description: 'id or name contains this text' },
  },
  additionalProperties: { type: 'string', description: 'field=value: objects whose top-level field equals value' },
}

function paginate(items: Obj[], query: Obj, idKey: string): { items: Obj[]; next_cursor?: string } {
  const { limit = 100, cursor, q, ...filters } = query
  let out = items
  if (q) out = out.filter((x) => String(x[idKey]).includes(q) || String(x['name'] ?? '').includes(q))
  for (const [k, v] of Object.entries(filters)) out = out.filter((x) => x[k] !== undefined && typeof x[k] !== 'object' && String(x[k]) === v)
  const start = Number(cursor ?? 0)
  const page = out.slice(start, start + Number(limit))
  return start + page.length < out.length ? { items: page, next_cursor: String(start + page.length) } : { items: page }
}

/** Runs `change` on a fresh copy of the document and writes it on the version it read; again when another write came first. */
export async function changeConfig<T>(ctx: AdminContext, change: (raw: RawConfig) => T, problems: (err: ConfigError, raw: RawConfig) => FieldProblem[]): Promise<T & { version: number }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const stored = await ctx.repo.read()
    if (!stored) throw new ApiError(503, 'NO_CONFIGURATION', 'the platform has no configuration yet')
    const raw = structuredClone(stored.raw)
    const out = change(raw)
    try {
      const w = await ctx.repo.write(raw, stored.version)
      await ctx.applied(w.version)
      return { ...out, version: w.version }
    } catch (err) {
      if (err instanceof StaleVersion) continue
      if (err instanceof ConfigError) throw new ApiError(400, 'INVALID', `the configuration would be refused (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})`, problems(err, raw))
      throw err
    }
  }
  throw new ApiError(409, 'BUSY', 'the configuration is changing too often; try again')
}

const CONFLICT = 'conflicts with another part of the platform configuration'

/** The ids a tenant's token must not read in a problem: other tenants, agents not of the tenant. */
export function hiddenIds(raw: RawConfig, viewer: string | null): string[] {
  if (viewer === null) return []
  const tenants = (raw.tenants as Obj[]).map((t) => String(t.id)).filter((t) => t !== viewer)
  const agents = ((raw.agents as Obj[] | undefined) ?? []).filter((a) => !(a.tenants as string[]).includes(viewer)).map((a) => String(a.id))
  return [...tenants, ...agents]
}

/** Problems of the new document: relative to the object when inside it, else by ids, hidden when in another tenant's part. */
function problemsFor(def: ResourceDef, tenant: string | undefined, id: string, viewer: string | null) {
  return (err: ConfigError, raw: RawConfig): FieldProblem[] => {
    const base = def.docPath(raw, tenant, id)
    const seen = new Set<string>()
    const hidden = hiddenIds(raw, viewer)
    return err.problems
      .map((p) => {
        if (base && (p.path === base || p.path.startsWith(`${base}/`))) {
          const rest = p.path.slice(base.length)
          const path = def.viewPath ? def.viewPath(rest, tenant) : rest || '/'
          return { path, reason: hidden.some((h) => p.reason.includes(`"${h}"`)) ? CONFLICT : p.reason }
        }
        const pub = publicPath(raw, p.path, viewer)
        return pub.visible && !hidden.some((h) => p.reason.includes(`"${h}"`)) ? { path: pub.path, reason: p.reason } : { path: '', reason: CONFLICT }
      })
      .filter((p) => !seen.has(`${p.path}|${p.reason}`) && Boolean(seen.add(`${p.path}|${p.reason}`)))
  }
}

function checkIfMatch(req: FastifyRequest, current: Obj): void {
  const want = req.headers['if-match']
  if (want !== undefined && want !== '*' && !want.split(',').map((s) => s.trim().replace(/^W\//, '')).includes(etagOf(current))) throw new ApiError(412, 'STALE', 'the object changed since it was read (If-Match); read it again')
}

async function current(ctx: AdminContext): Promise<RawConfig> {
  const stored = await ctx.repo.read()
  if (!stored) throw new ApiError(503, 'NO_CONFIGURATION', 'the platform has no configuration yet')
  return stored.raw
}

const tenantExists = (raw: RawConfig, tenant: string | undefined): boolean => tenant === undefined || (raw.tenants as Obj[]).some((t) => t.id === tenant)

export function configRoutes(app: FastifyInstance, ctx: AdminContext): void {
  for (const def of RESOURCES) resourceRoutes(app, ctx, def)
}

function resourceRoutes(app: FastifyInstance, ctx: AdminContext, def: ResourceDef): void {
  const isTenants = def.name === 'tenants'
  const base = def.tenantScoped ? `/v1/tenants/:tenant/${def.name}` : `/v1/${def.name}`
  const item = isTenants ? '/v1/tenants/:tenant' : `${base}/:id`
  const idParams = isTenants ? { tenant: tenantParam } : { ...(def.tenantScoped ? { tenant: tenantParam } : {}), id: { type: 'string', minLength: 1, maxLength: 64 } }
  const listParams = def.tenantScoped ? { type: 'object', properties: { tenant: tenantParam } } : undefined
  const tags = [def.name]
  const bodySchema = { ...def.schema, 'x-config-document': true }
  const patchSchema = { ...def.schema, required: [], 'x-config-document': true }
  const errors: Obj = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 412: errorSchema }
  const idOf = (req: FastifyRequest): string => ((req.params as Obj)[isTenants ? 'tenant' : 'id'] as string)
  const tenantOfReq = (req: FastifyRequest): string | undefined => (def.tenantScoped ? ((req.params as Obj)['tenant'] as string) : undefined)
  const viewer = (req: FastifyRequest): string | null => req.principal?.tenant ?? null

  const read = async (req: FastifyRequest): Promise<Obj> => {
    const raw = await current(ctx)
    const tenant = tenantOfReq(req)
    if (!tenantExists(raw, tenant)) throw notFound()
    const found = findIn(def.list(raw, tenant), def, idOf(req))
    if (!found) throw notFound()
    return def.redact ? def.redact(found, viewer(req)) : found
  }

  app.get(base, { schema: { tags, summary: `List ${def.name}`, ...(listParams ? { params: listParams } : {}), querystring: pageQuery }, config: { access: { roles: def.readRoles } } }, async (req) => {
    const raw = await current(ctx)
    const tenant = tenantOfReq(req)
    if (!tenantExists(raw, tenant)) throw notFound()
    let items = def.list(raw, tenant).map((x) => (def.redact ? def.redact(x, viewer(req)) : x))
    // a tenant's token lists its own tenant only
    if (isTenants && req.principal?.tenant) items = items.filter((t) => t['id'] === req.principal!.tenant)
    return paginate(items, req.query as Obj, def.idKey)
  })

  app.get(item, { schema: { tags, summary: `Read one of ${def.name}`, params: { type: 'object', properties: idParams } }, config: { access: { roles: def.readRoles } } }, async (req, reply) => {
    const found = await read(req)
    return reply.header('etag', etagOf(found)).send(found)
  })

  app.post(base, { schema: { tags, summary: `Create one of ${def.name}`, ...(listParams ? { params: listParams } : {}), body: bodySchema, response: errors }, config: { access: { roles: def.writeRoles, action: `${def.name}.create` } } }, async (req, reply) => {
    const view = req.body as Obj
    if (!view || typeof view !== 'object' || Array.isArray(view)) throw new ApiError(400, 'INVALID', 'the body must be an object', [{ path: '/', reason: 'must be object' }])
    const tenant = tenantOfReq(req)
    const id = String(view[def.idKey] ?? '')
    const extra = def.check?.(view, undefined) ?? []
    if (extra.length) throw new ApiError(400, 'INVALID', 'the request is invalid', extra)
    const r = await changeConfig(
      ctx,
      (raw) => {
        if (!tenantExists(raw, tenant)) throw notFound()
        if (id && findIn(def.list(raw, tenant), def, id)) throw new ApiError(409, 'EXISTS', `there is already one of ${def.name} with ${def.idKey} "${id}"`)
        // ids of tenants, agents and trunks and DDI numbers are platform-wide
        const shared = id && def.name === 'agents' ? ((raw.agents as Obj[] | undefined) ?? []).find((a) => a.id === id) : undefined
        if (shared && viewer(req) !== null) throw new ApiError(409, 'ID_TAKEN', `the id "${id}" is not available (agent ids are platform-wide)`)
        // a platform admin shares an agent of other tenants with this one: its global fields kept unless given
        if (shared) def.put(raw, tenant, { ...Object.fromEntries(Object.entries(shared).filter(([k]) => !['tenants', 'ha1', 'skills', 'referent_for'].includes(k))), ...view }, id)
        else def.put(raw, tenant, view, undefined)
        return { after: findIn(def.list(raw, tenant), def, id) }
      },
      problemsFor(def, tenant, id, viewer(req)),
    )
    req.auditNote = { action: `${def.name}.create`, object_type: def.name, object_id: id, after: r.after, ...(isTenants ? { tenant: id } : {}) }
    return reply.code(201).header('etag', etagOf(r.after)).header('location', isTenants ? `/v1/tenants/${id}` : `${base.replace(':tenant', tenant ?? '')}/${encodeURIComponent(id)}`).send(r.after)
  })

  app.patch(item, { schema: { tags, summary: `Change one of ${def.name} (JSON merge patch; null removes a field)`, params: { type: 'object', properties: idParams }, body: patchSchema, response: errors }, config: { access: { roles: def.patchRoles ?? def.writeRoles, action: `${def.name}.update` } } }, async (req, reply) => {
    const patch = req.body as Obj
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw new ApiError(400, 'INVALID', 'the body must be an object', [{ path: '/', reason: 'must be object' }])
    const tenant = tenantOfReq(req)
    const id = idOf(req)
    if (patch[def.idKey] !== undefined && String(patch[def.idKey]) !== id) throw new ApiError(400, 'INVALID', 'the request is invalid', [{ path: `/${def.idKey}`, reason: `the ${def.idKey} cannot be changed` }])
    const own = def.patchCheck?.(patch, viewer(req)) ?? []
    if (own.length) throw new ApiError(400, 'INVALID', 'the request is invalid', own)
    // what the caller sees of the object: its ETag, the audit's before and after
    const shown = (o: Obj | undefined) => (o && def.redact ? def.redact(o, viewer(req)) : o)
    const r = await changeConfig(
      ctx,
      (raw) => {
        if (!tenantExists(raw, isTenants ? id : tenant)) throw notFound()
        const before = findIn(def.list(raw, tenant), def, id)
        if (!before) throw notFound()
        checkIfMatch(req, shown(before)!)
        const next = mergePatch(before, patch)
        const extra = def.check?.(next, before) ?? []
        if (extra.length) throw new ApiError(400, 'INVALID', 'the request is invalid', extra)
        def.put(raw, tenant, next, id)
        return { before: shown(before), after: shown(findIn(def.list(raw, tenant), def, id)) }
      },
      problemsFor(def, tenant, id, viewer(req)),
    )
    req.auditNote = { action: `${def.name}.update`, object_type: def.name, object_id: id, before: r.before, after: r.after }
    return reply.header('etag', etagOf(r.after)).send(r.after)
  })

  app.delete(item, { schema: { tags, summary: `Delete one of ${def.name}`, params: { type: 'object', properties: idParams }, response: errors }, config: { access: { roles: def.writeRoles, action: `${def.name}.delete` } } }, async (req, reply: FastifyReply) => {
    const tenant = tenantOfReq(req)
    const id = idOf(req)
    const r = await changeConfig(
      ctx,
      (raw) => {
        if (!tenantExists(raw, isTenants ? id : tenant)) throw notFound()
        const before = findIn(def.list(raw, tenant), def, id)
        if (!before) throw notFound()
        checkIfMatch(req, before)
        def.remove(raw, tenant, id)
        return { before }
      },
      problemsFor(def, tenant, id, viewer(req)),
    )
    req.auditNote = { action: `${def.name}.delete`, object_type: def.name, object_id: id, before: r.before }
    return reply.code(204).send()
  })
}
