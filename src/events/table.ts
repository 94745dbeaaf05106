import { EVENTS, EVENT_TYPES, type EventSpec } from './contract'
import { COMMON_FIELDS } from './fields'
import type { FieldSpec } from './kinds'

const WRITERS: Record<EventSpec['by'], string> = { engine: 'engine', 'call-flow': 'call flow' }

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** `name`, `name`? when optional, then the kind unless text, or the codes of a closed set. */
function field(name: string, spec: FieldSpec): string {
  const kind = spec.values ? spec.values.join('/') : spec.kind === 'string' ? '' : spec.kind
  return `\`${name}\`${spec.optional ? '?' : ''}${kind ? ` (${kind})` : ''}`
}

function fields(specs: Readonly<Record<string, FieldSpec>>): string {
  return Object.entries(specs)
    .map(([name, spec]) => field(name, spec))
    .join(', ')
}

/**
 * The README's table of the history's events, from the contract: one row for the common fields,
 * then one per type. `npm run docs:events` prints it; test/events checks the README has it.
 */
export function renderEventTable(): string {
  const rows = [
    '| event | written by | fields | meaning |',
    '| --- | --- | --- | --- |',
    `| *every event* | both | ${cell(fields(COMMON_FIELDS))} | the common fields; \`v\` is the contract version |`,
  ]
  for (const type of EVENT_TYPES) {
    const spec: EventSpec = EVENTS[type]
    rows.push(`| \`${type}\` | ${WRITERS[spec.by]} | ${cell(fields(spec.fields))} | ${cell(spec.doc)} |`)
  }
  return rows.join('\n')
}
