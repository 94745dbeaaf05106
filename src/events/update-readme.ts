// Writes the event table rendered from the contract into README.md (the lines starting with
// `| event | written by |` up to the end of that table): `npm run docs:events -- --write`.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderEventTable } from './table'

export function writeEventTable(readmePath = join(__dirname, '..', '..', 'README.md')): void {
  const lines = readFileSync(readmePath, 'utf8').split('\n')
  const start = lines.findIndex((l) => l.startsWith('| event | written by |'))
  if (start < 0) throw new Error(`${readmePath} has no event table`)
  let end = start
  while (lines[end]?.startsWith('|')) end++
  lines.splice(start, end - start, ...renderEventTable().split('\n'))
  writeFileSync(readmePath, lines.join('\n'))
}
