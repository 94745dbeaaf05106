/** JSON Schema parts for sites (hooked into ./schema.ts): the top-level list and the `site` fields. */

const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }

const site = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id,
    name: { type: 'string', minLength: 1 },
    auto_down: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        no_instance_seconds: { type: 'number', minimum: 2 },
        no_agent_seconds: { type: 'number', minimum: 2 },
      },
    },
  },
}

/** `sites:` at the top of the file. */
export const sitesProperty = { sites: { type: 'array', items: site } } as const
/** `site:` of an agent or a queue. */
export const siteProperty = { site: id } as const
/** `site:` and `backup_site:` of a DDI. */
export const ddiSiteProperties = { site: id, backup_site: id } as const
