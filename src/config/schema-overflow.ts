/**
 * JSON Schema of the overflow rules of a queue, of what a DDI does out of hours, and of a tenant's
 * on-call rotas (snake_case, as operators write them).
 */

const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }
const e164ish = { type: 'string', minLength: 3, maxLength: 32 }
const hhmm = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }
const isoDate = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }

/** Where an overflowing call goes: exactly one of these. */
export const overflowTargetSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    queue: id,
    action: { enum: ['voicemail', 'callback', 'hangup'] },
    number: e164ish,
    backup_site: { const: true },
  },
}

/** One rule: exactly one condition, and the target. */
export const overflowRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['when', 'to'],
  properties: {
    when: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        waited_seconds: { type: 'number', exclusiveMinimum: 0 },
        waiting_at_least: { type: 'integer', minimum: 0 },
        no_agents: { const: true },
        estimated_wait_seconds: { type: 'number', exclusiveMinimum: 0 },
        closed: { const: true },
      },
    },
    to: overflowTargetSchema,
  },
}

/** What a DDI (or, as the default, the tenant) does when its calendar is closed. */
export const whenClosedSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    action: { enum: ['message', 'voicemail', 'hangup'] },
    forward: e164ish,
    on_call: id,
  },
}

export const rotaSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['technicians', 'handover', 'starts'],
  properties: {
    handover: {
      type: 'object',
      additionalProperties: false,
      required: ['day', 'time'],
      properties: { day: { enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }, time: hhmm },
    },
    starts: isoDate,
    ring_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 120 },
    technicians: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'number'],
        properties: { id, name: { type: 'string' }, number: e164ish },
      },
    },
    swaps: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['date', 'technician'],
        properties: { date: isoDate, to: isoDate, technician: id },
      },
    },
    fallback: { enum: ['voicemail', 'message'] },
  },
}
