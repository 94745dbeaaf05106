/** JSON Schema parts of calendars, contracts and response times (hooked into schema.ts). */

const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }
const DAY = '(mon|tue|wed|thu|fri|sat|sun)'
const date = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }
/** Ranges "HH:MM-HH:MM"; the times themselves are checked by build-calendar.ts with a pointed reason. */
const hourList = { type: 'array', items: { type: 'string' } }
const weekly = { type: 'object', propertyNames: { pattern: `^${DAY}(-${DAY})?$` }, additionalProperties: hourList }

const calendar = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hours: weekly,
    holidays: {
      type: 'object',
      additionalProperties: false,
      required: ['country'],
      properties: { country: { type: 'string', pattern: '^[A-Z]{2}$' }, region: { type: 'string', minLength: 1 } },
    },
    dates: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['date', 'name'], properties: { date, name: id } },
    },
    closures: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['id'], properties: { id, date, from: date, to: date, hours: hourList } },
    },
    openings: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['id', 'hours'], properties: { id, date, from: date, to: date, hours: hourList } },
    },
    extra: { type: 'object', propertyNames: id, additionalProperties: weekly },
  },
}

export const tenantCalendarProperties = {
  calendar: id,
  calendars: { type: 'object', propertyNames: id, additionalProperties: calendar },
  contracts: { type: 'object', propertyNames: id, additionalProperties: { type: 'array', items: id } },
  contract_numbers: { type: 'object', additionalProperties: id },
  response_times: { type: 'object', propertyNames: id, additionalProperties: { type: 'number', exclusiveMinimum: 0, maximum: 10000 } },
  default_urgency: id,
  callback_hours: id,
}

export const ddiCalendarProperties = {
  calendar: id,
  extra_hours: { type: 'array', items: id },
}

export const queueCalendarProperties = {
  calendar: id,
  at_closing: { enum: ['keep', 'overflow'] },
}
