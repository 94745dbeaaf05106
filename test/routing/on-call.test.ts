import t from 'tap'
import { DateTime } from 'luxon'
import type { OnCallRota } from '../../src/config/model'
import { callOrder, onDuty } from '../../src/routing/on-call'

const ZONE = 'Europe/Brussels'
const rota: OnCallRota = {
  id: 'night',
  handover: { weekday: 4, minutes: 8 * 60 },
  starts: '2026-11-23', // a Monday: the first handover is Thursday 26 November at 08:00
  ringSeconds: 20,
  technicians: [
    { id: 'marc', name: 'Marc', number: '+32470000001' },
    { id: 'sofie', name: 'Sofie', number: '+32470000002' },
    { id: 'jan', name: 'Jan', number: '+32470000003' },
  ],
  swaps: [{ from: '2026-12-24', to: '2026-12-25', technician: 'jan' }],
  fallback: 'voicemail',
}
const at = (iso: string, zone = ZONE) => DateTime.fromISO(iso, { zone }).toJSDate()
const who = (iso: string, r = rota) => onDuty(r, ZONE, at(iso)).id

t.test('one technician per week, handing over at the exact minute', async (t) => {
  t.equal(who('2026-11-26T07:59'), 'jan', 'before the first handover: the week before it (the last technician)')
  t.equal(who('2026-11-26T08:00'), 'marc')
  t.equal(who('2026-12-03T07:59:59'), 'marc')
  t.equal(who('2026-12-03T08:00'), 'sofie')
  t.equal(who('2026-12-10T08:00'), 'jan')
  t.equal(who('2026-12-17T08:00'), 'marc', 'and round again')
})

t.test('handover across daylight-saving changes stays at 08:00 local time', async (t) => {
  // Brussels: summer time starts Sunday 28 March 2027, ends Sunday 31 October 2027
  const spring = who('2027-04-01T07:59')
  t.not(who('2027-04-01T08:00'), spring, 'a week of 167 hours ends at 08:00')
  t.equal(who('2027-04-01T07:59'), who('2027-03-25T08:00'), 'the same technician all that week')
  const autumn = who('2027-11-04T07:59')
  t.not(who('2027-11-04T08:00'), autumn, 'a week of 169 hours ends at 08:00')
  t.equal(who('2027-11-04T07:59'), who('2027-10-28T08:00'))
})

t.test('a per-date swap covers its whole local days, then the rota resumes', async (t) => {
  t.equal(who('2026-12-23T23:59'), 'marc', 'the week from 17 December')
  t.equal(who('2026-12-24T00:00'), 'jan')
  t.equal(who('2026-12-25T23:59'), 'jan')
  t.equal(who('2026-12-26T00:00'), 'sofie', 'the week from 24 December at 08:00')
  // the machine's zone does not matter: 23:30 UTC on 23 December is already 24 December in Brussels
  t.equal(onDuty(rota, ZONE, new Date('2026-12-23T23:30:00Z')).id, 'jan')
})

t.test('the call order: the technician on duty first, then the others in rota order', async (t) => {
  t.same(callOrder(rota, ZONE, at('2026-12-04T02:00')).map((x) => x.id), ['sofie', 'jan', 'marc'])
  t.same(callOrder(rota, ZONE, at('2026-12-24T02:00')).map((x) => x.id), ['jan', 'marc', 'sofie'])
})
