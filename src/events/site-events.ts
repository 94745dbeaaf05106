import { CALL, QUEUE, WAIT_MS } from './fields'
import type { EventSpec } from './contract'

const SITE = { kind: 'string', doc: 'the site concerned' } as const

/**
 * Events of sites (src/acd/lua/site_switch.lua, src/call/steps/site-route.ts): a site's switch,
 * the calls it moved, and the new calls routed to a backup site.
 */
export const SITE_EVENTS = {
  site_switched: {
    by: 'engine',
    doc: "A site changed state; written in the history of every tenant with queues or agents at the site.",
    fields: {
      site: SITE,
      state: { kind: 'string', values: ['up', 'down', 'draining', 'drained'], doc: "the site's new state" },
      reason: { kind: 'string', doc: 'manual, drill, auto-no-instance, auto-no-agent, ...' },
    },
  },
  site_moved: {
    by: 'engine',
    doc: 'A waiting call moved with its site switch, keeping its place: to the backup copy of its queue (site down), or back (site up).',
    fields: {
      call: CALL,
      queue: { ...QUEUE, doc: 'the queue the call left' },
      target: { kind: 'string', doc: 'the queue it went to (`<queue>@<site>` is the copy of a queue at a backup site)' },
      site: SITE,
      state: { kind: 'string', values: ['up', 'down'], doc: 'the state the site switched to' },
      wait_ms: WAIT_MS,
    },
  },
  site_rerouted: {
    by: 'call-flow',
    doc: "A new call for a queue whose site is down or draining went to the queue's copy at the backup site.",
    fields: {
      call: CALL,
      queue: { ...QUEUE, doc: 'the queue the call was for' },
      target: { kind: 'string', doc: 'the copy it went to, `<queue>@<backup site>`' },
      site: { kind: 'string', doc: 'the site that is down or draining' },
      state: { kind: 'string', values: ['down', 'draining', 'drained'], doc: 'that site’s state' },
    },
  },
} as const satisfies Record<string, EventSpec>
