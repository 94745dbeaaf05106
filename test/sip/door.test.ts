import t from 'tap'
import { DEFAULT_DOOR_LIMITS, doorDecision, SourceLimiter, type DoorSignals } from '../../src/sip/door'

const calm: DoorSignals = { redisReady: () => true, draining: () => false, callsInSetup: () => 3, loopLagMs: () => 12, mediaLoad: () => ({ sessions: 40, idlePercent: 80 }) }

t.test('the door: open when calm; each overload refuses with its reason and Retry-After', async (t) => {
  const l = DEFAULT_DOOR_LIMITS
  t.same(doorDecision(calm, l), { open: true })
  t.match(doorDecision({ ...calm, draining: () => true }, l), { open: false, reason: 'draining', retryAfter: 5 })
  t.match(doorDecision({ ...calm, redisReady: () => false }, l), { open: false, reason: 'redis-unavailable' })
  t.match(doorDecision({ ...calm, callsInSetup: () => l.maxCallsInSetup }, l), { open: false, reason: 'setup-overload' })
  t.same(doorDecision({ ...calm, callsInSetup: () => l.maxCallsInSetup - 1 }, l), { open: true }, 'one under the limit is fine')
  t.match(doorDecision({ ...calm, loopLagMs: () => l.maxLoopLagMs + 1 }, l), { open: false, reason: 'event-loop-lag' })
  t.match(doorDecision({ ...calm, mediaLoad: () => ({ sessions: l.maxMediaSessions, idlePercent: 50 }) }, l), { open: false, reason: 'media-overload' })
  t.match(doorDecision({ ...calm, mediaLoad: () => ({ sessions: 10, idlePercent: 5 }) }, l), { open: false, reason: 'media-overload' }, "the media server's own CPU")
  t.same(doorDecision({ ...calm, mediaLoad: () => undefined }, l), { open: true }, 'without media, only the instance counts')
})

t.test('per-source limiter: bursts, then the rate; sources apart; memory bounded', async (t) => {
  let now = 0
  const lim = new SourceLimiter(2, 4, 3, () => now)
  const burst = [1, 2, 3, 4, 5].map(() => lim.take('10.0.0.1'))
  t.same(burst, [true, true, true, true, false], 'a burst of 4, then refused')
  t.ok(lim.take('10.0.0.2'), 'another source has its own bucket')
  now += 500
  t.ok(lim.take('10.0.0.1'), 'one token back after 0.5 s at 2/s')
  t.notOk(lim.take('10.0.0.1'))
  for (let i = 0; i < 1000; i++) lim.take(`192.0.2.${i}`)
  t.equal(lim.size, 3, 'a flood from many addresses keeps at most maxSources buckets')
})

t.test("FreeSWITCH's status: sessions and CPU idle", async (t) => {
  const { parseMediaStatus } = await import('../../src/service/load-monitor')
  const out = [
    'UP 0 years, 0 days, 0 hours, 1 minute, 2 seconds, 1 milliseconds, 5 microseconds',
    'FreeSWITCH (Version 1.10.12-release 64bit) is ready',
    '7 session(s) since startup',
    '3 session(s) - peak 5, last 5min 5 ',
    '0 session(s) per Sec out of max 1000, peak 2, last 5min 2 ',
    '2000 session(s) max',
    'min idle cpu 0.00/97.25',
    'Current Stack Size/Max 240K/8192K',
  ].join('\n')
  t.same(parseMediaStatus(out), { sessions: 3, idlePercent: 97.25 })
  t.equal(parseMediaStatus('garbage'), undefined)
})
