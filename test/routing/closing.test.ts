import t from 'tap'
import { engineOn } from '../helpers/engine'
import { DateTime } from 'luxon'
import { closingSweep } from '../../src/routing/closing'

const YAML = `
tenants:
  - id: acme
    name: Acme
    timezone: Europe/Brussels
    pool: p1
    skills: [help]
    calendars:
      office: { hours: { mon-fri: ["08:30-12:30", "13:30-18:00"] } }
    queues:
      - { id: evening, calendar: office, at_closing: overflow, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle, overflow_rules: [{ when: { closed: true }, to: { queue: night } }] }
      - { id: day, calendar: office, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle }
      - { id: lunch, calendar: office, at_closing: overflow, overflow: { action: voicemail }, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle }
      - { id: night, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle }
`
const at = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Brussels' }).toJSDate()

t.test('at closing time, queues that overflow their callers send them on; the others keep them', async (t) => {
  const { config, engine, notices } = await engineOn(t, YAML, { start: at('2026-12-04T17:50').getTime(), instanceId: 'i1' })
  for (const [id, queue] of [['e1', 'evening'], ['d1', 'day'], ['l1', 'lunch']] as const) await engine.enqueue({ tenant: 'acme', queue, callId: id })
  t.equal(await closingSweep(engine, config, at('2026-12-04T17:59:59')), 0, 'open until 18:00')
  t.equal(await closingSweep(engine, config, at('2026-12-04T18:00')), 2)
  t.match(
    notices.filter((n) => n.type === 'overflow'),
    [
      { call: 'e1', queue: 'evening', reason: 'closed', target: 'queue:night' },
      { call: 'l1', queue: 'lunch', reason: 'closed', target: 'voicemail' },
    ],
    "the closed rule's target, else the queue's overflow",
  )
  t.match(await engine.callState('acme', 'd1'), { state: 'waiting' }, 'kept: the default')
  t.equal(await closingSweep(engine, config, at('2026-12-04T18:00:05')), 0, 'each call moved once')
})
