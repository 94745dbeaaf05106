/**
 * The event contract of a tenant's history: the Redis Stream `acd:{<pool>}:t:<tenant>:events`.
 * Every type that may be written there is declared once, with its fields and their kinds
 * (./kinds.ts), what it means and who writes it: the ACD's Lua scripts (./engine-events.ts) or
 * the call flow (./call-flow-events.ts). Every entry also has the common fields (./fields.ts):
 * type, ts, tenant and v, the contract version.
 *
 * Readers: ./codec.ts parses an entry into an `AcdEvent`, ./history.ts reads a range of them.
 * Writer: AcdEngine.record for the call flow. README's event table is renderEventTable() (./table.ts).
 */
import { CALL_FLOW_EVENTS } from './call-flow-events'
import { ENGINE_EVENTS } from './engine-events'
import { SITE_EVENTS } from './site-events'
import type { CONTRACT_VERSION } from './fields'
import type { FieldSpec, FieldValue } from './kinds'

export { CONTRACT_VERSION, COMMON_FIELDS } from './fields'
export { CALL_OUTCOMES, type CallOutcome } from './call-flow-events'
export type { FieldKind, FieldSpec } from './kinds'

/** Who writes an event: an ACD Lua script, or the call flow through AcdEngine.record. */
export type Writer = 'engine' | 'call-flow'

export interface EventSpec {
  readonly by: Writer
  /** What the event means. */
  readonly doc: string
  /** Its own fields (besides the common ones). */
  readonly fields: Readonly<Record<string, FieldSpec>>
}

export const EVENTS = { ...ENGINE_EVENTS, ...CALL_FLOW_EVENTS, ...SITE_EVENTS } as const satisfies Record<string, EventSpec>

export type EventType = keyof typeof EVENTS
export const EVENT_TYPES = Object.keys(EVENTS) as EventType[]

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENTS, type)
}

type Simplify<T> = { [K in keyof T]: T[K] } & {}
type Required_<S> = { -readonly [K in keyof S as S[K] extends { optional: true } ? never : K]: S[K] extends FieldSpec ? FieldValue<S[K]> : never }
type Optional_<S> = { -readonly [K in keyof S as S[K] extends { optional: true } ? K : never]?: S[K] extends FieldSpec ? FieldValue<S[K]> : never }

/** The fields of one event type, typed by their kinds; optional ones may be absent. */
export type FieldsOf<T extends EventType> = Simplify<Required_<(typeof EVENTS)[T]['fields']> & Optional_<(typeof EVENTS)[T]['fields']>>

/** One history entry as read: the common fields and the type's own. `v` is the version it was read as. */
export type AcdEvent = { [T in EventType]: Simplify<{ type: T; ts: number; tenant: string; v: typeof CONTRACT_VERSION } & FieldsOf<T>> }[EventType]

export type AcdEventOf<T extends EventType> = Extract<AcdEvent, { type: T }>

export type CallFlowEventType = { [T in EventType]: (typeof EVENTS)[T]['by'] extends 'call-flow' ? T : never }[EventType]

/** What the call flow hands AcdEngine.record: the type and its fields; ts, tenant and v are added. */
export type CallFlowEvent = { [T in CallFlowEventType]: Simplify<{ type: T } & FieldsOf<T>> }[CallFlowEventType]

/** Any event without its common fields: what the writer encodes (tests write engine events too). */
export type EventInput = { [T in EventType]: Simplify<{ type: T } & FieldsOf<T>> }[EventType]
