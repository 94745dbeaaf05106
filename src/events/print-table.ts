// npm run docs:events: prints README's table of the history's events, made from the contract;
// with --write, puts it in README.md in place of the old one.
import { renderEventTable } from './table'
import { writeEventTable } from './update-readme'

if (process.argv.includes('--write')) writeEventTable()
else process.stdout.write(`${renderEventTable()}\n`)
