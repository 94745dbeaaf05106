import { Writable } from 'node:stream'
import t from 'tap'
import { ManualClock } from '../../src/acd/clock'
import { AcdEngine } from '../../src/acd/engine'
import { parseConfig } from '../../src/config/load'
import { createLogger } from '../../src/telemetry/logger'
import { Metrics } from '../../src/telemetry/metrics'
import { BASE_YAML } from '../helpers/engine'
import { withRedis } from '../helpers/redis'

t.test('call log lines carry tenant and call ids; metrics carry the tenant', async (t) => {
  const { redis } = await withRedis(t)
  const lines: Record<string, unknown>[] = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      cb()
    },
  })
  const config = parseConfig(BASE_YAML.replace('STRATEGY', 'longest-idle'))
  const metrics = new Metrics()
  const engine = new AcdEngine(redis, config, { instanceId: 'tel', clock: new ManualClock(1), logger: createLogger({ destination: sink }), metrics })
  await engine.applyConfig(config)
  await engine.login('a2', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'c1' })
  await engine.answer('acme', 'c1', 'a2')
  await engine.enqueue({ tenant: 'globex', queue: 'help', callId: 'c2' })
  await engine.abandon('globex', 'c2')
  await new Promise((r) => setImmediate(r))
  const callLines = lines.filter((l) => /call/.test(String(l['msg'])))
  t.ok(callLines.length >= 4)
  for (const l of callLines) {
    t.type(l['tenant'], 'string', `"${l['msg']}" has a tenant`)
    t.type(l['call'], 'string', `"${l['msg']}" has a call id`)
  }
  const text = await metrics.registry.metrics()
  t.match(text, /acd_calls_offered_total\{tenant="acme",queue="sales"\} 1/)
  t.match(text, /acd_calls_answered_total\{tenant="acme",queue="sales"\} 1/)
  t.match(text, /acd_calls_abandoned_total\{tenant="globex",queue="help"\} 1/)
  t.notMatch(text, /acd_calls_abandoned_total\{tenant="acme"/, 'no cross-tenant series')
})
