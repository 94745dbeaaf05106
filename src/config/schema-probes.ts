/** JSON Schema of the probe parts of the configuration: a tenant's `probes`, the platform's `probe_sources`. */

export const probesSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'ddi', 'queue'],
    properties: {
      id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,40}$' },
      ddi: { type: 'string' },
      digits: { type: 'string', pattern: '^[0-9*#]{0,20}$' },
      queue: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' },
      trunk: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' },
      every_seconds: { type: 'number', minimum: 5, maximum: 86400 },
      timeout_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 120 },
    },
  },
}

export const probeSourcesSchema = { type: 'array', minItems: 1, items: { type: 'string' } }
