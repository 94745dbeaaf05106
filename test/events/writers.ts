import { bracketed, findCalls, literal, readSource, sourceFiles, splitTopLevel, stripLuaComments } from './source-scan'

/** One place that writes an event: where, the type, the field names (undefined: not literal). */
export interface WriteSite {
  where: string
  type: string
  fields?: string[]
}

export const LUA_DIR = 'src/acd/lua'

/** Every `emit(tenant, 'type', now, { 'field', value, ... })` under src/acd/lua (recursively). */
export function luaEmits(): { sites: WriteSite[]; problems: string[] } {
  const sites: WriteSite[] = []
  const problems: string[] = []
  for (const file of sourceFiles(LUA_DIR, '.lua')) {
    for (const call of findCalls(file, stripLuaComments(readSource(file)), 'emit')) {
      const where = `${call.file}:${call.line}`
      const [, kind, , table, ...rest] = call.args
      const type = kind === undefined ? undefined : literal(kind)
      if (type === undefined || table === undefined || rest.length > 0 || !/^\{[\s\S]*\}$/.test(table)) {
        problems.push(`${where}: emit(${call.args.join(', ')}) is not emit(tenant, '<type>', now, { '<field>', value, ... })`)
        continue
      }
      const items = splitTopLevel(table.slice(1, -1))
      const fields: string[] = []
      for (let i = 0; i < items.length; i += 2) {
        const name = literal(items[i]!)
        if (name === undefined || items[i + 1] === undefined) problems.push(`${where}: ${type} field ${items[i]} is not a '<name>', value pair`)
        else fields.push(name)
      }
      sites.push({ where, type, fields })
    }
  }
  return { sites, problems }
}

/** A definition of the Lua emit function: the fields it writes before the event's own. */
export interface EmitDefinition {
  where: string
  /** type, ts, tenant (and v), in order. */
  fields: string[]
  /** The value it writes as `v`, when a literal or a local constant of the file. */
  version?: string
  /** MAX_EVENTS of the file, when set there. */
  maxEvents?: number
}

/** Every `function emit(...)` under src/acd/lua: the common fields of its XADD. */
export function luaEmitDefinitions(): { definitions: EmitDefinition[]; problems: string[] } {
  const definitions: EmitDefinition[] = []
  const problems: string[] = []
  for (const file of sourceFiles(LUA_DIR, '.lua')) {
    const src = stripLuaComments(readSource(file))
    const def = /function\s+emit\s*\(/.exec(src)
    if (!def) continue
    const body = src.slice(def.index, src.indexOf('\nend', def.index))
    const xadd = body.search(/\{\s*'XADD'/)
    if (xadd < 0) {
      problems.push(`${file}: function emit has no { 'XADD', ... } table`)
      continue
    }
    const items = splitTopLevel(bracketed(body, xadd))
    const star = items.findIndex((x) => literal(x) === '*')
    if (star < 0) {
      problems.push(`${file}: the XADD of function emit has no '*' id`)
      continue
    }
    const found: EmitDefinition = { where: file, fields: [] }
    for (let i = star + 1; i < items.length; i += 2) {
      const name = literal(items[i]!)
      if (name === undefined) {
        problems.push(`${file}: XADD field ${items[i]} of function emit is not a literal`)
        break
      }
      found.fields.push(name)
      const value = items[i + 1] ?? ''
      if (name === 'v') found.version = literal(value) ?? (/^\w+$/.test(value) ? literal(new RegExp(`local\\s+${value}\\s*=\\s*([^\\n]+)`).exec(src)?.[1] ?? '') : undefined)
    }
    const max = /\bMAX_EVENTS\s*=\s*(\d+)/.exec(src)
    if (max) found.maxEvents = Number(max[1])
    definitions.push(found)
  }
  if (definitions.length === 0 && problems.length === 0) problems.push(`no function emit under ${LUA_DIR}`)
  return { definitions, problems }
}

/**
 * Any `x.recordEvent(tenant, '<type>', { field: value, ... })` call under src: the untyped writer
 * the history once had, which the contract must describe if one comes back. Fields
 * given by an expression rather than an object literal are not known here (`fields` undefined).
 */
export function recordEventCalls(): { sites: WriteSite[]; problems: string[] } {
  const sites: WriteSite[] = []
  const problems: string[] = []
  for (const file of sourceFiles('src', '.ts')) {
    if (file.startsWith('src/events/') || file === 'src/acd/engine.ts') continue
    for (const call of findCalls(file, readSource(file), 'recordEvent', true)) {
      const where = `${call.file}:${call.line}`
      const [, kind, object] = call.args
      const type = kind === undefined ? undefined : literal(kind)
      if (type === undefined || object === undefined) {
        problems.push(`${where}: recordEvent(${call.args.join(', ')}) has no literal type`)
        continue
      }
      if (!/^\{[\s\S]*\}$/.test(object)) {
        sites.push({ where, type })
        continue
      }
      const fields: string[] = []
      for (const item of splitTopLevel(object.slice(1, -1))) {
        const m = /^(?:'([^']+)'|"([^"]+)"|([A-Za-z_$][\w$]*))\s*(?::|$)/.exec(item)
        if (!m) problems.push(`${where}: ${type} field ${item} has no plain name`)
        else fields.push((m[1] ?? m[2] ?? m[3])!)
      }
      sites.push({ where, type, fields })
    }
  }
  return { sites, problems }
}
