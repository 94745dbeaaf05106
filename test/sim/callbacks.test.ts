import t from 'tap'
import { ManualClock } from '../../src/acd/clock'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { parseConfig } from '../../src/config/load'
import { Simulator } from '../../src/sim/simulator'
import { withRedis } from '../helpers/redis'

// One understaffed queue with a callback offer after 20 s: callers who take it stop abandoning
// and are called back when an agent is free; customers answer half of the attempts, two attempts each.
const YAML = `
tenants:
  - id: volt
    name: Volt
    timezone: Europe/Paris
    pool: sim
    outbound_allowed: ["+336"]
    skills: [billing]
    trunks: [{ id: carrier, allowed_sources: [127.0.0.2/32], max_inbound: 50, max_outbound: 10, outbound_proxy: "127.0.0.2:5060" }]
    ddis: [{ number: "+33972000011", queue: billing }]
    queues:
      - id: billing
        skills: [{ skill: billing, min_level: 1 }]
        strategy: longest-idle
        wrap_up_seconds: 0
        max_wait_seconds: 3600
        callback: { offer_after_seconds: 20, max_attempts: 2, retry_seconds: { busy: 60, no-answer: 120, failed: 60 }, expire_seconds: 7200 }
agents:
  - { id: a1, tenants: [volt], skills: { volt: { billing: 5 } } }
  - { id: a2, tenants: [volt], skills: { volt: { billing: 5 } } }
`

t.test('simulated callbacks through the real engine: taken, made, retried, given up, all accounted for', async (t) => {
  const { redis } = await withRedis(t)
  const config = parseConfig(YAML, 'sim.yaml')
  const clock = new ManualClock(1_000_000)
  const engine = new AcdEngine(redis, config, { instanceId: 'sim', clock })
  await engine.applyConfig(config)
  const sim = new Simulator(engine, config, clock, {
    durationSeconds: 3600,
    arrivalRates: new Map([['+33972000011', 1 / 60]]),
    meanHandleSeconds: 150,
    meanPatienceSeconds: 300,
    answerDelaySeconds: 2,
    noAnswerRate: 0,
    tickSeconds: 1,
    warmupSeconds: 0,
    urgentRate: 0,
    callbackAcceptRate: 0.6,
    callbackAnswerRate: 0.5,
    seed: 7,
  })
  await sim.loginAgents()
  await sim.run()
  const [f] = await sim.figures()
  t.comment(JSON.stringify(f))
  t.ok(f!.callbacks >= 5, `${f!.callbacks} callers took the callback`)
  t.ok(f!.callbacksConnected >= 1, `${f!.callbacksConnected} callbacks made`)
  const events = (await redis.xrange(keys.events('sim', 'volt'), '-', '+')).map(([, x]) => Object.fromEntries(x.flatMap((v, i) => (i % 2 ? [] : [[v, x[i + 1]!]])))) as Record<string, string>[]
  const requested = new Set(events.filter((e) => e['type'] === 'callback_requested').map((e) => e['call']))
  t.equal(requested.size, f!.callbacks)
  // every callback ends once: made (then completed) or given up
  for (const call of requested) {
    const mine = events.filter((e) => e['call'] === call)
    const made = mine.filter((e) => e['type'] === 'callback_connected').length
    const givenUp = mine.filter((e) => e['type'] === 'callback_failed' && e['final'] === 'yes').length
    t.equal(made + givenUp, 1, `callback ${call}: made ${made}, given up ${givenUp}`)
    if (made) t.ok(mine.some((e) => e['type'] === 'completed'), `callback ${call} completed after the talk`)
    t.notOk(mine.some((e) => e['type'] === 'abandoned'), `callback ${call} never abandoned`)
  }
  t.ok(f!.callbacksFailed >= 1, `${f!.callbacksFailed} given up after two attempts`)
  t.ok(events.some((e) => e['type'] === 'callback_retry'), 'failed attempts retried')
  t.equal(f!.callbacksConnected + f!.callbacksFailed, f!.callbacks, 'the engine counts agree')
})
