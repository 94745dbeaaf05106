// The configuration resources of the API, as views of the raw (snake_case) document the YAML
// holds. Each resource's JSON schema is built from the configuration schema's own objects
// (src/config/schema.ts subSchemas), so a key added there reaches the API by construction.
import { ha1 } from '../agents/digest'
import { subSchemas } from '../config/schema'
import type { RawConfig } from '../config/redis-config'
import type { Role } from './tokens'

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>
type Schema = Obj

/** Ids compared as text; numbers also without their spaces and punctuation (+33 9 72 00 00 01 is +33972000001). */
export const sameId = (v: unknown, id: string): boolean => String(v) === id || String(v).replace(/[\s().-]/g, '') === id.replace(/[\s().-]/g, '')

const clone = <T>(v: T): T => structuredClone(v)
const omit = (o: Obj, names: string[]): Obj => Object.fromEntries(Object.entries(o).filter(([k]) => !names.includes(k)))

/** A tenant's fields only the platform admins read and set. */
export const TENANT_PLATFORM_FIELDS = ['incompatible_with']
/**
 * A tenant's fields only the platform admins set: its pool and realm, whom it may not share agents
 * with, where it may call out to (toll fraud), files on the platform's disks, its probes.
 */
export const TENANT_ADMIN_FIXED = ['id', 'pool', 'sip_domain', 'incompatible_with', 'outbound_allowed', 'prompt_dir', 'probes']

/** The tenant's own part of the document, without the lists that are resources of their own. */
const TENANT_LISTS = ['trunks', 'ddis', 'queues', 'ivrs', 'skills']

export interface ResourceDef {
  /** path segment and audit object type */
  name: string
  /** the field naming an object */
  idKey: 'id' | 'number'
  /** under /v1/tenants/{tenant} (else platform-wide: /v1/<name>) */
  tenantScoped: boolean
  /** the object as the API shows and takes it */
  schema: Schema
  readRoles: Role[]
  writeRoles: Role[]
  /** who may change one (default: writeRoles) */
  patchRoles?: Role[]
  /** fields of a change the caller may not make (null: a platform admin) */
  patchCheck?(patch: Obj, viewer: string | null): Array<{ path: string; reason: string }>
  list(raw: RawConfig, tenant: string | undefined): Obj[]
  /** insert (id absent) or replace the object named id, from its API view */
  put(raw: RawConfig, tenant: string | undefined, view: Obj, id: string | undefined): void
  remove(raw: RawConfig, tenant: string | undefined, id: string): void
  /** the document path of the object (to report problems relative to it) */
  docPath(raw: RawConfig, tenant: string | undefined, id: string): string | undefined
  /** maps a document path below docPath to the view's path */
  viewPath?(rest: string, tenant: string | undefined): string
  /** the view as a tenant's token may read it (null: a platform admin) */
  redact?(view: Obj, viewer: string | null): Obj
  /** fields taken but never shown (written as something else) */
  writeOnly?: string[]
  /** a change of these without those is refused (e.g. a SIP username without a password) */
  check?(view: Obj, before: Obj | undefined): Array<{ path: string; reason: string }>
}

const tenantIndex = (raw: RawConfig, tenant: string | undefined): number => (raw.tenants as Obj[]).findIndex((t) => t.id === tenant)
const tenantOf = (raw: RawConfig, tenant: string | undefined): Obj => {
  const t = (raw.tenants as Obj[]).find((x) => x.id === tenant)
  if (!t) throw new Error(`no tenant ${tenant}`)
  return t
}

/** A list of objects inside a tenant: trunks, DDIs, queues, IVR menus. */
function tenantList(name: string, list: string, idKey: 'id' | 'number', schema: Schema, writeRoles: Role[] = ['platform-admin', 'tenant-admin']): ResourceDef {
  return {
    name,
    idKey,
    tenantScoped: true,
    schema,
    readRoles: ['platform-admin', 'tenant-admin', 'supervisor'],
    writeRoles,
    list: (raw, tenant) => clone((tenantOf(raw, tenant)[list] as Obj[] | undefined) ?? []),
    put(raw, tenant, view, id) {
      const t = tenantOf(raw, tenant)
      const items: Obj[] = (t[list] ??= [])
      const at = id === undefined ? -1 : items.findIndex((x) => sameId(x[idKey], id))
      if (at < 0) items.push(view)
      else items[at] = view
    },
    remove(raw, tenant, id) {
      const t = tenantOf(raw, tenant)
      t[list] = ((t[list] as Obj[] | undefined) ?? []).filter((x) => !sameId(x[idKey], id))
    },
    docPath(raw, tenant, id) {
      const ti = tenantIndex(raw, tenant)
      const i = ((raw.tenants[ti]?.[list] as Obj[] | undefined) ?? []).findIndex((x) => sameId(x[idKey], id))
      return i < 0 ? undefined : `/tenants/${ti}/${list}/${i}`
    },
  }
}

const skillResource: ResourceDef = {
  name: 'skills',
  idKey: 'id',
  tenantScoped: true,
  schema: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: subSchemas.tenant.properties.skills.items } },
  readRoles: ['platform-admin', 'tenant-admin', 'supervisor'],
  writeRoles: ['platform-admin', 'tenant-admin'],
  list: (raw, tenant) => ((tenantOf(raw, tenant).skills as string[] | undefined) ?? []).map((id) => ({ id })),
  put(raw, tenant, view, id) {
    const t = tenantOf(raw, tenant)
    const skills: string[] = (t.skills ??= [])
    const at = id === undefined ? -1 : skills.indexOf(id)
    if (at < 0) skills.push(view.id)
    else skills[at] = view.id
  },
  remove(raw, tenant, id) {
    const t = tenantOf(raw, tenant)
    t.skills = ((t.skills as string[] | undefined) ?? []).filter((s) => s !== id)
  },
  docPath(raw, tenant, id) {
    const ti = tenantIndex(raw, tenant)
    const i = ((raw.tenants[ti]?.skills as string[] | undefined) ?? []).indexOf(id)
    return i < 0 ? undefined : `/tenants/${ti}/skills/${i}`
  },
  viewPath: (rest) => (rest === '' ? '/id' : rest),
}

const tenantResource: ResourceDef = {
  name: 'tenants',
  idKey: 'id',
  tenantScoped: false,
  schema: { ...subSchemas.tenant, properties: omit(subSchemas.tenant.properties, TENANT_LISTS) },
  readRoles: ['platform-admin', 'tenant-admin', 'supervisor', 'reporting', 'agent'],
  writeRoles: ['platform-admin'],
  // a tenant admin changes its own tenant's name, time zone, language, calendars, closed handling...
  patchRoles: ['platform-admin', 'tenant-admin'],
  patchCheck: (patch, viewer) => (viewer === null ? [] : Object.keys(patch).filter((k) => TENANT_ADMIN_FIXED.includes(k)).map((k) => ({ path: `/${k}`, reason: 'set by the platform admins' }))),
  list: (raw) => (raw.tenants as Obj[]).map((t) => clone(omit(t, TENANT_LISTS))),
  // which tenants a tenant may not share agents with names them: the platform admins' business
  redact: (view, viewer) => (viewer === null ? view : omit(view, TENANT_PLATFORM_FIELDS)),
  put(raw, _tenant, view, id) {
    const at = id === undefined ? -1 : (raw.tenants as Obj[]).findIndex((t) => t.id === id)
    if (at < 0) {
      raw.tenants.push(view)
      return
    }
    const old = raw.tenants[at] as Obj
    const kept = Object.fromEntries(TENANT_LISTS.filter((k) => old[k] !== undefined).map((k) => [k, old[k]]))
    raw.tenants[at] = { ...view, ...kept }
  },
  remove(raw, _tenant, id) {
    // the tenant goes with what names it: other tenants' incompatibilities, its agents' parts
    raw.tenants = (raw.tenants as Obj[]).filter((t) => t.id !== id)
    for (const t of raw.tenants as Obj[]) if (t.incompatible_with) t.incompatible_with = (t.incompatible_with as string[]).filter((o) => o !== id)
    for (const a of (raw.agents as Obj[] | undefined) ?? []) detachAgent(a, id)
    if (raw.agents) raw.agents = (raw.agents as Obj[]).filter((a) => a.tenants.length > 0)
  },
  docPath(raw, _tenant, id) {
    const i = (raw.tenants as Obj[]).findIndex((t) => t.id === id)
    return i < 0 ? undefined : `/tenants/${i}`
  },
}

/** Per-tenant maps of an agent: the tenant sees and sets its own entry only. */
const AGENT_TENANT_MAPS = ['skills', 'referent_for']
const AGENT_HIDDEN = ['ha1', 'tenants']

function detachAgent(a: Obj, tenant: string): void {
  a.tenants = (a.tenants as string[]).filter((x) => x !== tenant)
  for (const m of [...AGENT_TENANT_MAPS, 'ha1']) if (a[m]) delete a[m][tenant]
}

const agentSchema: Schema = (() => {
  const props: Obj = omit(subSchemas.agent.properties, AGENT_HIDDEN)
  for (const m of AGENT_TENANT_MAPS) props[m] = (subSchemas.agent.properties as Obj)[m].additionalProperties
  props['sip_password'] = { type: 'string', minLength: 8, maxLength: 128, writeOnly: true, description: 'stored only as its HA1 for the tenant realm; never returned' }
  return { ...subSchemas.agent, required: subSchemas.agent.required.filter((r: string) => !AGENT_HIDDEN.includes(r)), properties: props }
})()

const realmOf = (raw: RawConfig, tenant: string): string => tenantOf(raw, tenant).sip_domain ?? `${tenant}.acd.local`

const agentResource: ResourceDef = {
  name: 'agents',
  idKey: 'id',
  tenantScoped: true,
  schema: agentSchema,
  readRoles: ['platform-admin', 'tenant-admin', 'supervisor'],
  writeRoles: ['platform-admin', 'tenant-admin'],
  writeOnly: ['sip_password'],
  list: (raw, tenant) =>
    ((raw.agents as Obj[] | undefined) ?? [])
      .filter((a) => (a.tenants as string[]).includes(tenant!))
      .map((a) => {
        const view: Obj = clone(omit(a, AGENT_HIDDEN))
        for (const m of AGENT_TENANT_MAPS) {
          if (a[m]?.[tenant!] !== undefined) view[m] = clone(a[m][tenant!])
          else delete view[m]
        }
        return view
      }),
  put(raw, tenant, view, id) {
    const agents: Obj[] = (raw.agents ??= [])
    const t = tenant!
    const old = id === undefined ? undefined : agents.find((a) => a.id === id)
    const next: Obj = old ? clone(old) : { id: view.id, tenants: [t] }
    if (!(next.tenants as string[]).includes(t)) next.tenants.push(t)
    // global fields from the view; the per-tenant maps' entry of this tenant
    for (const k of Object.keys(next)) if (!AGENT_HIDDEN.includes(k) && !AGENT_TENANT_MAPS.includes(k)) delete next[k]
    for (const [k, v] of Object.entries(view)) if (!AGENT_TENANT_MAPS.includes(k) && k !== 'sip_password') next[k] = v
    for (const m of AGENT_TENANT_MAPS) {
      if (view[m] !== undefined) (next[m] ??= {})[t] = view[m]
      else if (next[m]) delete next[m][t]
      if (next[m] && Object.keys(next[m]).length === 0) delete next[m]
    }
    if (typeof view.sip_password === 'string') (next.ha1 ??= {})[t] = ha1(next.sip_username ?? next.id, realmOf(raw, t), view.sip_password)
    if (old) agents[agents.indexOf(old)] = next
    else agents.push(next)
  },
  remove(raw, tenant, id) {
    const a = ((raw.agents as Obj[] | undefined) ?? []).find((x) => x.id === id)
    if (!a) return
    detachAgent(a, tenant!)
    raw.agents = (raw.agents as Obj[]).filter((x) => x.tenants.length > 0)
  },
  docPath(raw, _tenant, id) {
    const i = ((raw.agents as Obj[] | undefined) ?? []).findIndex((a) => a.id === id)
    return i < 0 ? undefined : `/agents/${i}`
  },
  viewPath(rest, tenant) {
    const [, head, t, ...tail] = rest.split('/')
    if (head && AGENT_TENANT_MAPS.includes(head) && t === tenant) return `/${head}${tail.length ? `/${tail.join('/')}` : ''}`
    if (head === 'ha1') return '/sip_password'
    return rest
  },
  check(view, before) {
    const renamed = before && view.sip_username !== before.sip_username && view.sip_password === undefined
    return renamed ? [{ path: '/sip_password', reason: 'a new sip_username needs a new sip_password (the HA1 is made of both)' }] : []
  },
}

export const RESOURCES: ResourceDef[] = [
  tenantResource,
  tenantList('trunks', 'trunks', 'id', subSchemas.trunk, ['platform-admin']),
  tenantList('ddis', 'ddis', 'number', subSchemas.ddi, ['platform-admin', 'tenant-admin']),
  skillResource,
  tenantList('queues', 'queues', 'id', subSchemas.queue),
  tenantList('ivrs', 'ivrs', 'id', subSchemas.ivr),
  agentResource,
]

/** The object whose id is `id` in a list (its id field compared as text). */
export const findIn = (items: Obj[], def: ResourceDef, id: string): Obj | undefined => items.find((x) => sameId(x[def.idKey], id))

/**
 * A document path with list indices replaced by ids (/tenants/gridco/queues/sales/...), and
 * whether it lies in the part of the document the tenant may see (its own tenant, its agents).
 */
export function publicPath(raw: RawConfig, path: string, tenant: string | null): { path: string; visible: boolean } {
  const parts = path.split('/').slice(1)
  let node: any = raw
  let visible = tenant === null
  const out: string[] = []
  parts.forEach((p, i) => {
    const parent = node
    node = node?.[Array.isArray(node) ? Number(p) : p]
    if (Array.isArray(parent) && node && typeof node === 'object') {
      const id = node.id ?? node.number
      out.push(id !== undefined ? String(id) : p)
      if (i === 1 && parts[0] === 'tenants' && node.id === tenant) visible = true
      if (i === 1 && parts[0] === 'agents' && tenant !== null && (node.tenants as string[] | undefined)?.includes(tenant)) visible = true
    } else out.push(p)
  })
  if (parts[0] === 'platform' || parts.length === 0) visible = visible || false
  return { path: out.length ? `/${out.join('/')}` : '', visible }
}
