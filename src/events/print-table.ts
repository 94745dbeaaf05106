// npm run docs:events: prints README's table of the history's events, made from the contract.
import { renderEventTable } from './table'

process.stdout.write(`${renderEventTable()}\n`)
