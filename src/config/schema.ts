/** JSON Schema of the YAML configuration file (snake_case, as operators write it). */
import { overflowRuleSchema, rotaSchema, whenClosedSchema } from './schema-overflow'
import { ddiCalendarProperties, queueCalendarProperties, tenantCalendarProperties } from './schema-calendar'
import { ddiSiteProperties, siteProperty, sitesProperty } from './schema-sites'
import { probeSourcesSchema, probesSchema } from './schema-probes'

const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }
const level = { type: 'integer', minimum: 1, maximum: 10 }
const seconds = { type: 'number', minimum: 0 }

const queue = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'skills', 'strategy'],
  properties: {
    id,
    name: { type: 'string' },
    skills: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['skill', 'min_level'],
        properties: { skill: id, min_level: level },
      },
    },
    strategy: {
      enum: [
        'longest-idle',
        'fewest-calls',
        'least-talk-time',
        'round-robin',
        'top-down',
        'random',
        'skill-level',
        'ring-all',
      ],
    },
    default_priority: { type: 'integer', minimum: 0, maximum: 99 },
    priority_rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['when', 'priority'],
        properties: {
          when: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1 },
          priority: { type: 'integer', minimum: 0, maximum: 99 },
        },
      },
    },
    max_wait_seconds: { type: 'number', exclusiveMinimum: 0 },
    max_length: { type: 'integer', minimum: 1 },
    wrap_up_seconds: seconds,
    ring_timeout_seconds: { type: 'number', exclusiveMinimum: 0 },
    referent_wait_seconds: seconds,
    overflow: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['queue'], properties: { queue: id } },
        { type: 'object', additionalProperties: false, required: ['action'], properties: { action: { enum: ['voicemail', 'hangup'] } } },
      ],
    },
    service_level: {
      type: 'object',
      additionalProperties: false,
      required: ['percent', 'seconds'],
      properties: { percent: { type: 'number', minimum: 1, maximum: 100 }, seconds: { type: 'number', exclusiveMinimum: 0 } },
    },
    escalation: {
      type: 'array',
      maxItems: 8,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['after_seconds'],
        properties: { after_seconds: { type: 'number', exclusiveMinimum: 0 }, min_level: level, max_tier: { type: 'integer', minimum: 1, maximum: 9 } },
      },
    },
    tiers: { type: 'object', additionalProperties: { type: 'integer', minimum: 1, maximum: 9 } },
    agent_order: { type: 'array', items: id },
    hold_music: { type: 'string' },
    announce_seconds: { type: 'number', minimum: 0 },
    closed: { type: 'boolean' },
    when_closed: { enum: ['voicemail', 'message', 'hangup'] },
    overflow_rules: { type: 'array', maxItems: 16, items: overflowRuleSchema },
    ...siteProperty,
    callback: {
      type: 'object',
      additionalProperties: false,
      required: ['offer_after_seconds'],
      properties: {
        offer_after_seconds: { type: 'number', exclusiveMinimum: 0 },
        repeat_seconds: { type: 'number', minimum: 0 },
        key: { type: 'string', pattern: '^[0-9*#]$' },
        prompt: { type: 'string', minLength: 1 },
        confirm_prompt: { type: 'string', minLength: 1 },
        ask_number: { type: 'boolean' },
        number_prompt: { type: 'string', minLength: 1 },
        ring_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 120 },
        max_attempts: { type: 'integer', minimum: 1, maximum: 10 },
        retry_seconds: {
          type: 'object',
          additionalProperties: false,
          properties: { busy: { type: 'number', minimum: 0 }, 'no-answer': { type: 'number', minimum: 0 }, failed: { type: 'number', minimum: 0 } },
        },
        expire_seconds: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    ...queueCalendarProperties,
  },
}

const ivrChoice = {
  type: 'object',
  additionalProperties: false,
  properties: {
    queue: id,
    menu: id,
    action: { enum: ['voicemail', 'hangup'] },
    set: { type: 'object', additionalProperties: { type: 'string' } },
    priority: { type: 'integer', minimum: 0, maximum: 99 },
    collect: {
      type: 'object',
      additionalProperties: false,
      required: ['attribute', 'prompt'],
      properties: {
        attribute: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' },
        prompt: { type: 'string', minLength: 1 },
        min_digits: { type: 'integer', minimum: 1, maximum: 20 },
        max_digits: { type: 'integer', minimum: 1, maximum: 20 },
      },
    },
  },
}

const ivr = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'prompt', 'choices', 'default'],
  properties: {
    id,
    prompt: { type: 'string', minLength: 1 },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 60 },
    max_tries: { type: 'integer', minimum: 1, maximum: 10 },
    invalid_prompt: { type: 'string', minLength: 1 },
    choices: { type: 'object', propertyNames: { pattern: '^[0-9*#]$' }, additionalProperties: ivrChoice, minProperties: 1 },
    default: ivrChoice,
  },
}

const tenant = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'timezone'],
  properties: {
    id,
    name: { type: 'string', minLength: 1 },
    timezone: { type: 'string' },
    language: { type: 'string', pattern: '^[a-z]{2}(-[A-Z]{2})?$' },
    prompt_dir: { type: 'string', minLength: 1 },
    pool: id,
    sip_domain: { type: 'string', pattern: '^[a-z0-9.-]+$' },
    incompatible_with: { type: 'array', items: id },
    outbound_allowed: { type: 'array', items: { type: 'string', pattern: '^\\+[0-9]{1,15}$' } },
    skills: { type: 'array', items: id },
    trunks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'allowed_sources', 'max_inbound', 'max_outbound'],
        properties: {
          id,
          allowed_sources: { type: 'array', minItems: 1, items: { type: 'string' } },
          max_inbound: { type: 'integer', minimum: 0 },
          max_outbound: { type: 'integer', minimum: 0 },
          outbound_proxy: { type: 'string' },
        },
      },
    },
    ddis: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['number'],
        properties: {
          number: { type: 'string' },
          queue: id,
          ivr: id,
          when_closed: whenClosedSchema,
          ...ddiCalendarProperties,
          ...ddiSiteProperties,
        },
      },
    },
    when_closed: whenClosedSchema,
    on_call: { type: 'object', propertyNames: id, additionalProperties: rotaSchema },
    queues: { type: 'array', items: queue },
    ivrs: { type: 'array', items: ivr },
    ...tenantCalendarProperties,
    probes: probesSchema,
  },
}

const agent = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'tenants'],
  properties: {
    id,
    name: { type: 'string' },
    sip_username: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    ha1: { type: 'object', additionalProperties: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
    tenants: { type: 'array', minItems: 1, items: id },
    skills: { type: 'object', additionalProperties: { type: 'object', additionalProperties: level } },
    referent_for: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    external_number: { type: 'string' },
    ...siteProperty,
  },
}

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tenants'],
  properties: {
    platform: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_no_answer: { type: 'integer', minimum: 1, maximum: 100 },
        default_region: { type: 'string', pattern: '^[A-Z]{2}$' },
        probe_sources: probeSourcesSchema,
      },
    },
    tenants: { type: 'array', minItems: 1, items: tenant },
    agents: { type: 'array', items: agent },
    ...sitesProperty,
  },
} as const

/**
 * The objects of the document, for the administration API's resources (built from these, so a key
 * added here reaches the API by construction).
 */
export const subSchemas = {
  tenant,
  queue,
  ivr,
  agent,
  trunk: tenant.properties.trunks.items,
  ddi: tenant.properties.ddis.items,
  platform: configSchema.properties.platform,
}
