import { AGENT_STATES } from '../acd/types'
import type { FieldSpec } from './kinds'

/** The contract's version, written as `v` on every entry; an entry without `v` is version 1. */
export const CONTRACT_VERSION = 1

/** Fields of every entry, whatever its type. */
export const COMMON_FIELDS = {
  type: { kind: 'string', doc: 'the event type (the key of the union)' },
  ts: { kind: 'time', doc: 'when it happened, by the clock of the instance that wrote it' },
  tenant: { kind: 'string', doc: 'the tenant whose history holds the entry' },
  v: { kind: 'int', optional: true, doc: `the contract version (${CONTRACT_VERSION}); absent in entries written before it was added, read as 1` },
} as const satisfies Record<string, FieldSpec>

// Fields that several events carry, declared once.

export const CALL = { kind: 'string', doc: 'the call id' } as const
export const QUEUE = { kind: 'string', doc: 'the queue the call is in (the one it left, for an ending)' } as const
export const AGENT = { kind: 'string', doc: 'the agent concerned' } as const
export const CALLER = { kind: 'string', optional: true, doc: "the caller's number, when known" } as const
export const ATTRS = { kind: 'json', doc: "the call's attributes (DDI, trunk, IVR choices, ...)" } as const
export const NUMBER = { kind: 'string', doc: 'the E.164 number the customer is called back on' } as const
export const ATTEMPT = { kind: 'int', doc: 'the attempt, counted from 1' } as const

/** How long the call waited, from its arrival in the queue (kept across overflows) to the event. */
export const WAIT_MS = { kind: 'ms', doc: 'the wait from the arrival in the queue to the event' } as const

export const AGENT_STATE = { kind: 'string', values: AGENT_STATES, doc: "the agent's state after the event" } as const

export const ENDED_BY = { kind: 'string', values: ['caller', 'agent', 'system'], doc: 'who ended the call' } as const
