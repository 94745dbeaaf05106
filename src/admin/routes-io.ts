// YAML stays the import and export format: export per tenant (its part of the document, its
// agents as the tenant sees them, no credentials) or of the whole platform; import with a dry run
// that reports what would change. An import is validated and written like any other change.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { stringify } from 'yaml'
import { ConfigError } from '../config/errors'
import { parseYamlDocument, validateRaw } from '../config/load'
import type { RawConfig } from '../config/redis-config'
import type { AdminContext } from './context'
import { ApiError, notFound, type FieldProblem } from './errors'
import { RESOURCES, TENANT_PLATFORM_FIELDS } from './resources'
import { changeConfig } from './routes-config'

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>

const tenantParams = { type: 'object', properties: { tenant: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } } }
const exportQuery = { type: 'object', additionalProperties: false, properties: { format: { enum: ['yaml', 'json'], default: 'yaml' } } }
const importQuery = { type: 'object', additionalProperties: false, properties: { dry_run: { type: 'boolean', default: false } } }
const importBody = { description: 'a configuration document, YAML (application/yaml) or JSON', 'x-config-document': true }
/** A tenant's fields only the platform admins set. */
const PLATFORM_FIELDS = ['pool', 'incompatible_with', 'sip_domain']
const AGENT_TENANT_MAPS = ['skills', 'referent_for', 'ha1']

/** The tenant's part of the document: its tenant object and its agents with only its entries. */
export function tenantDocument(raw: RawConfig, tenant: string, withCredentials = false): Obj {
  const t = (raw.tenants as Obj[]).find((x) => x.id === tenant)
  const agents = ((raw.agents as Obj[] | undefined) ?? [])
    .filter((a) => (a.tenants as string[]).includes(tenant))
    .map((a) => {
      const out: Obj = { ...structuredClone(a), tenants: [tenant] }
      for (const m of AGENT_TENANT_MAPS) {
        if (a[m]?.[tenant] !== undefined && (m !== 'ha1' || withCredentials)) out[m] = { [tenant]: structuredClone(a[m][tenant]) }
        else delete out[m]
      }
      return out
    })
  const own = structuredClone(t) as Obj
  if (!withCredentials) for (const f of TENANT_PLATFORM_FIELDS) delete own[f]
  return { tenants: [own], agents }
}

/** JSON with the keys of every object sorted: equal documents, equal text, whatever their key order. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Obj).sort(([a], [b]) => a.localeCompare(b))) : x))

/** What an import changes, resource by resource, as the tenant (or the platform) sees it. */
function changes(before: RawConfig, after: RawConfig, tenants: string[]): Array<{ resource: string; tenant?: string; id: string; change: 'added' | 'removed' | 'changed' }> {
  const out: Array<{ resource: string; tenant?: string; id: string; change: 'added' | 'removed' | 'changed' }> = []
  const has = (raw: RawConfig, t: string) => (raw.tenants as Obj[]).some((x) => x.id === t)
  for (const def of RESOURCES) {
    for (const t of def.tenantScoped ? tenants : [undefined]) {
      const list = (raw: RawConfig) => (t === undefined || has(raw, t) ? def.list(raw, t) : []).filter((x) => def.tenantScoped || tenants.includes(String(x['id'])))
      const b = new Map(list(before).map((x) => [String(x[def.idKey]), canonical(x)]))
      const a = new Map(list(after).map((x) => [String(x[def.idKey]), canonical(x)]))
      const at = t === undefined ? {} : { tenant: t }
      for (const [id, v] of a) if (!b.has(id)) out.push({ resource: def.name, ...at, id, change: 'added' })
      else if (b.get(id) !== v) out.push({ resource: def.name, ...at, id, change: 'changed' })
      for (const id of b.keys()) if (!a.has(id)) out.push({ resource: def.name, ...at, id, change: 'removed' })
    }
  }
  return out
}

function bodyDocument(req: FastifyRequest): Obj {
  const body = req.body
  let doc: unknown
  try {
    doc = typeof body === 'string' ? parseYamlDocument(body, 'import') : body
  } catch (err) {
    if (err instanceof ConfigError) throw new ApiError(400, 'INVALID', 'the document is not valid YAML', err.problems.map((p) => ({ path: p.path, reason: p.reason })))
    throw err
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ApiError(400, 'INVALID', 'the document must be a mapping', [{ path: '/', reason: 'must be object' }])
  return doc as Obj
}

/** The whole document with the tenant's part replaced by the imported one. */
function withTenantPart(raw: RawConfig, tenant: string, doc: Obj, platformAdmin: boolean): RawConfig {
  const problems: FieldProblem[] = []
  const imported = Array.isArray(doc['tenants']) ? (doc['tenants'] as Obj[]) : []
  if (imported.length !== 1 || imported[0]?.['id'] !== tenant) problems.push({ path: '/tenants', reason: `the document holds exactly one tenant, "${tenant}"` })
  const ti = (raw.tenants as Obj[]).findIndex((t) => t.id === tenant)
  const current = raw.tenants[ti] as Obj
  const next = { ...(imported[0] ?? {}) }
  if (!platformAdmin)
    for (const f of PLATFORM_FIELDS) {
      // a tenant's export leaves its incompatibilities out: absent, they are kept
      if (TENANT_PLATFORM_FIELDS.includes(f) && next[f] === undefined) {
        if (current[f] !== undefined) next[f] = current[f]
      } else if (JSON.stringify(next[f]) !== JSON.stringify(current[f])) problems.push({ path: `/tenants/0/${f}`, reason: 'set by the platform admins' })
    }
  const agents = (doc['agents'] ?? []) as Obj[]
  if (!Array.isArray(agents)) problems.push({ path: '/agents', reason: 'must be array' })
  const byId = new Map(((raw.agents as Obj[] | undefined) ?? []).map((a) => [a.id as string, a]))
  agents.forEach((a, i) => {
    const existing = byId.get(a?.['id'])
    if (existing && !(existing.tenants as string[]).includes(tenant)) problems.push({ path: `/agents/${i}/id`, reason: `the id "${a['id']}" is not available (agent ids are platform-wide)` })
    if (a && (!Array.isArray(a['tenants']) || a['tenants'].length !== 1 || a['tenants'][0] !== tenant)) problems.push({ path: `/agents/${i}/tenants`, reason: `must be ["${tenant}"]` })
  })
  if (problems.length) throw new ApiError(400, 'INVALID', 'the document cannot be imported for this tenant', problems)
  raw.tenants[ti] = next
  const keep = new Set<string>()
  for (const a of agents) {
    keep.add(a['id'])
    const old = byId.get(a['id'])
    const merged: Obj = old ? structuredClone(old) : { tenants: [tenant] }
    for (const k of Object.keys(merged)) if (k !== 'tenants' && !AGENT_TENANT_MAPS.includes(k)) delete merged[k]
    for (const [k, v] of Object.entries(a)) if (k !== 'tenants' && !AGENT_TENANT_MAPS.includes(k)) merged[k] = v
    for (const m of AGENT_TENANT_MAPS) {
      const v = a[m]?.[tenant]
      if (v !== undefined) (merged[m] ??= {})[tenant] = v
      else if (m !== 'ha1' && merged[m]) delete merged[m][tenant]
      if (merged[m] && Object.keys(merged[m]).length === 0) delete merged[m]
    }
    if (old) raw.agents[raw.agents.indexOf(old)] = merged
    else (raw.agents ??= []).push(merged)
  }
  // the tenant's agents the document no longer names leave the tenant
  for (const a of (raw.agents as Obj[] | undefined) ?? []) {
    if (keep.has(a.id) || !(a.tenants as string[]).includes(tenant)) continue
    a.tenants = (a.tenants as string[]).filter((x) => x !== tenant)
    for (const m of AGENT_TENANT_MAPS) if (a[m]) delete a[m][tenant]
  }
  if (raw.agents) raw.agents = (raw.agents as Obj[]).filter((a) => a.tenants.length > 0)
  return raw
}

const invalid = (err: ConfigError): ApiError => new ApiError(400, 'INVALID', `the configuration would be refused (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})`, err.problems.map((p) => ({ path: p.path, reason: p.reason })))

export function ioRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => done(null, body))
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string))
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined)
    }
  })
  const tags = ['import and export']
  const read = async () => {
    const stored = await ctx.repo.read()
    if (!stored) throw new ApiError(503, 'NO_CONFIGURATION', 'the platform has no configuration yet')
    return stored
  }
  const send = (reply: import('fastify').FastifyReply, doc: Obj, format: string | undefined, version: number) => {
    reply.header('etag', `"v${version}"`)
    return format === 'json' ? reply.send(doc) : reply.type('application/yaml').send(stringify(doc))
  }

  app.get('/v1/tenants/:tenant/export', { schema: { tags, summary: "The tenant's configuration as YAML (no credentials)", params: tenantParams, querystring: exportQuery }, config: { access: { roles: ['platform-admin', 'tenant-admin'] } } }, async (req, reply) => {
    const { tenant } = req.params as { tenant: string }
    const stored = await read()
    if (!(stored.raw.tenants as Obj[]).some((t) => t.id === tenant)) throw notFound()
    return send(reply, tenantDocument(stored.raw, tenant), (req.query as { format?: string }).format, stored.version)
  })
  app.get('/v1/export', { schema: { tags, summary: 'The whole platform configuration as YAML (with the agents’ HA1)', querystring: exportQuery }, config: { access: { roles: ['platform-admin'] } } }, async (req, reply) => {
    const stored = await read()
    return send(reply, stored.raw, (req.query as { format?: string }).format, stored.version)
  })

  app.post('/v1/tenants/:tenant/import', { schema: { tags, summary: "Replace the tenant's configuration (dry_run: only say what would change)", params: tenantParams, querystring: importQuery, body: importBody }, config: { access: { roles: ['platform-admin', 'tenant-admin'], action: 'config.import' } } }, async (req) => {
    const { tenant } = req.params as { tenant: string }
    const doc = bodyDocument(req)
    const dry = (req.query as { dry_run?: boolean }).dry_run === true
    const platformAdmin = req.principal?.tenant === null
    if (dry) {
      const stored = await read()
      if (!(stored.raw.tenants as Obj[]).some((t) => t.id === tenant)) throw notFound()
      const next = withTenantPart(structuredClone(stored.raw), tenant, doc, platformAdmin)
      try {
        validateRaw(next, 'import')
      } catch (err) {
        if (err instanceof ConfigError) throw invalid(err)
        throw err
      }
      return { dry_run: true, version: stored.version, changes: changes(stored.raw, next, [tenant]) }
    }
    let before: RawConfig
    const r = await changeConfig(
      ctx,
      (raw) => {
        if (!(raw.tenants as Obj[]).some((t) => t.id === tenant)) throw notFound()
        before = structuredClone(raw)
        withTenantPart(raw, tenant, doc, platformAdmin)
        return { changes: changes(before, raw, [tenant]) }
      },
      (err) => invalid(err).fields ?? [],
    )
    req.auditNote = { action: 'config.import', object_type: 'tenants', object_id: tenant, before: tenantDocument(before!, tenant), after: { changes: r.changes } }
    return { dry_run: false, version: r.version, changes: r.changes }
  })
  app.post('/v1/import', { schema: { tags, summary: 'Replace the whole platform configuration (dry_run: only say what would change)', querystring: importQuery, body: importBody }, config: { access: { roles: ['platform-admin'], action: 'config.import' } } }, async (req) => {
    const doc = bodyDocument(req)
    const dry = (req.query as { dry_run?: boolean }).dry_run === true
    const stored = await read()
    const all = (raw: RawConfig) => [...new Set([...((raw.tenants as Obj[] | undefined) ?? []).map((t) => t.id as string)])]
    try {
      validateRaw(doc, 'import')
    } catch (err) {
      if (err instanceof ConfigError) throw invalid(err)
      throw err
    }
    const tenants = [...new Set([...all(stored.raw), ...all(doc)])]
    if (dry) return { dry_run: true, version: stored.version, changes: changes(stored.raw, doc, tenants) }
    let before: RawConfig
    const r = await changeConfig(
      ctx,
      (raw) => {
        before = structuredClone(raw)
        for (const k of Object.keys(raw)) delete raw[k]
        Object.assign(raw, structuredClone(doc))
        return { changes: changes(before, raw, tenants) }
      },
      (err) => invalid(err).fields ?? [],
    )
    req.auditNote = { action: 'config.import', object_type: 'platform', object_id: 'platform', after: { changes: r.changes }, tenant: '_platform' }
    return { dry_run: false, version: r.version, changes: r.changes }
  })
}
