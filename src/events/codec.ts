import { EVENTS, isEventType, type AcdEvent, type EventInput, type EventSpec, type Writer } from './contract'
import { COMMON_FIELDS, CONTRACT_VERSION } from './fields'
import { decodeField, encodeField, FieldError, type FieldSpec } from './kinds'

/**
 * An entry (or an event to write) that breaks the contract: an unknown type, a missing required
 * field, a field the type does not declare, a value of the wrong kind, or a newer contract
 * version. The message names the entry, the type and the field.
 */
export class EventContractError extends Error {
  constructor(
    message: string,
    readonly entryId: string | undefined,
    readonly eventType: string | undefined,
    readonly field: string | undefined,
  ) {
    super(message)
    this.name = 'EventContractError'
  }
}

/** A stream entry's fields as ioredis returns them: [field, value, field, value, ...]. */
export type RawFields = readonly string[]

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

function fail(entryId: string | undefined, type: string | undefined, field: string | undefined, why: string): never {
  const where = [entryId && `entry ${entryId}`, type && `(${type})`].filter(Boolean).join(' ')
  throw new EventContractError(`${where ? `${where}: ` : ''}${field ? `field "${field}" ` : ''}${why}`, entryId, type, field)
}

function read(spec: FieldSpec, raw: string | undefined, entryId: string | undefined, type: string, name: string): unknown {
  if (raw === undefined || (raw === '' && spec.kind !== 'list')) {
    if (spec.optional) return undefined
    return fail(entryId, type, name, raw === undefined ? 'is missing' : 'is empty')
  }
  try {
    return decodeField(spec, raw)
  } catch (err) {
    if (err instanceof FieldError) return fail(entryId, type, name, err.message)
    throw err
  }
}

/**
 * Parses one history entry into its typed event. Unknown types, missing required fields, fields
 * the type does not declare and values of the wrong kind are refused with an EventContractError:
 * the contract is closed, and test/events holds the writers to it. `v` absent reads as 1; a
 * version newer than this reader's is refused.
 */
export function parseEvent(fields: RawFields | Readonly<Record<string, string>>, entryId?: string): AcdEvent {
  const map = new Map<string, string>()
  if (Array.isArray(fields)) {
    const flat = fields as RawFields
    if (flat.length % 2 !== 0) fail(entryId, undefined, undefined, 'has an odd number of field names and values')
    for (let i = 0; i < flat.length; i += 2) {
      if (map.has(flat[i]!)) fail(entryId, map.get('type'), flat[i], 'appears twice')
      map.set(flat[i]!, flat[i + 1]!)
    }
  } else {
    for (const [k, v] of Object.entries(fields)) map.set(k, v)
  }
  const type = map.get('type')
  if (type === undefined || type === '') return fail(entryId, undefined, 'type', 'is missing')
  if (!isEventType(type)) return fail(entryId, type, undefined, `is not an event type of the contract (version ${CONTRACT_VERSION})`)
  const event: Record<string, unknown> = { type }
  const v = read(COMMON_FIELDS.v, map.get('v'), entryId, type, 'v') as number | undefined
  if (v !== undefined && v !== CONTRACT_VERSION) fail(entryId, type, 'v', `is ${v}: this reader knows version ${CONTRACT_VERSION}`)
  event['ts'] = read(COMMON_FIELDS.ts, map.get('ts'), entryId, type, 'ts')
  event['tenant'] = read(COMMON_FIELDS.tenant, map.get('tenant'), entryId, type, 'tenant')
  event['v'] = CONTRACT_VERSION
  const declared: EventSpec['fields'] = EVENTS[type].fields
  for (const [name, spec] of Object.entries(declared)) {
    const value = read(spec, map.get(name), entryId, type, name)
    if (value !== undefined) event[name] = value
  }
  for (const name of map.keys()) {
    if (!own(COMMON_FIELDS, name) && !own(declared, name)) fail(entryId, type, name, 'is not declared for this type')
  }
  return event as AcdEvent
}

/**
 * The stream fields of an event, common fields first (type, ts, tenant, v). Refuses what the
 * contract does not allow; `writer`, when given, must be the declared writer of the type.
 */
export function encodeEvent(event: EventInput, common: { ts: number; tenant: string; writer?: Writer }): string[] {
  const { type } = event as { type: string }
  if (typeof type !== 'string' || !isEventType(type)) return fail(undefined, String(type), undefined, 'is not an event type of the contract')
  const spec: EventSpec = EVENTS[type]
  if (common.writer && spec.by !== common.writer) fail(undefined, type, undefined, `is written by the ${spec.by}, not the ${common.writer}`)
  const out = ['type', type]
  const put = (name: string, field: FieldSpec, value: unknown) => {
    if (value === undefined || value === '') {
      if (field.optional) return
      fail(undefined, type, name, value === undefined ? 'is missing' : 'is empty')
    }
    try {
      out.push(name, encodeField(field, value))
    } catch (err) {
      if (err instanceof FieldError) fail(undefined, type, name, err.message)
      throw err
    }
  }
  put('ts', COMMON_FIELDS.ts, common.ts)
  put('tenant', COMMON_FIELDS.tenant, common.tenant)
  put('v', COMMON_FIELDS.v, CONTRACT_VERSION)
  const values = event as unknown as Record<string, unknown>
  for (const name of Object.keys(values)) {
    if (name !== 'type' && !own(spec.fields, name)) fail(undefined, type, name, 'is not declared for this type')
  }
  for (const [name, field] of Object.entries(spec.fields)) put(name, field, values[name])
  return out
}
