// Chaos on the real stack (no media server): SIPp load across two instances of the service on one
// Redis (each with its own drachtio-server); one instance is killed with SIGKILL mid-run, then
// Redis is restarted (on its append-only file). Afterwards: no call connected twice, every call
// that entered the ACD has exactly one end in its history, trunk channels back to zero, no agent
// left reserved or on a call, the engine's invariants hold.
import t from 'tap'
import { agentsOnOnePhone } from '../helpers/phone-agents'
import { benchPlatform } from '../../src/bench/bench-platform'
import { runLoad } from '../../src/bench/sipp-load'
import { parseConfig } from '../../src/config/load'
import { readHistory } from '../../src/events/history'
import { startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { TrunkChannels } from '../../src/trunks/channels'
import { requireBinaries } from '../helpers/binaries'
import { withRedis } from '../helpers/redis'
import { checkInvariants, dumpPool } from '../helpers/invariants'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('load on two instances, one killed, Redis restarted: nothing lost twice, nothing stuck', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const { server, redis } = await withRedis(t, { persistent: true })
  const yaml = benchPlatform({ tenant: 'bench', callerIp: '127.0.0.2', ddi: '+33972000001', agents: 30 })
  const config = parseConfig(yaml, 'chaos.yaml')
  const tenant = config.tenants.get('bench')!
  const drachtios = [await startDrachtio(t), await startDrachtio(t)]
  const apps = await Promise.all(
    drachtios.map((d, i) => startApp(t, { configYaml: yaml, redisUrl: server.url, instanceId: `chaos-${i + 1}`, drachtio: { host: d.host, adminPort: d.adminPort, secret: d.secret } })),
  )
  const { engine } = await agentsOnOnePhone(t, redis, config, 'bench', 'chaos-observer')
  const stops: Array<() => Promise<unknown>> = []
  t.teardown(() => Promise.all(stops.map((s) => s())))
  const loads = drachtios.map((d, i) =>
    runLoad({ label: `chaos-${i + 1}`, target: `${d.host}:${d.sipPort}`, rate: 5, seconds: 20, callerIp: '127.0.0.2', ddi: '+33972000001', talkMs: 1500, drainMs: 35_000, progress: () => undefined, onInterrupt: (s) => (stops.push(s), () => undefined) }),
  )
  await sleep(6000)
  apps[0]!.proc.kill('SIGKILL')
  await sleep(6000)
  await server.down()
  await sleep(2000)
  await server.up()
  const results = await Promise.all(loads)
  t.ok(results[1]!.successful > 50, `the surviving instance answered ${results[1]!.successful} of ${results[1]!.offered} calls through all of it`)
  // recovery (~8 s), wrap-ups and the last calls
  const channels = new TrunkChannels(redis, config, 'chaos-observer')
  let busy: string[] = []
  for (const until = Date.now() + 20_000; Date.now() < until; await sleep(500)) {
    const states = await Promise.all([...config.agents.keys()].map((id) => engine.agentState(id).then((s) => `${id}:${s.state}`)))
    busy = states.filter((s) => s.endsWith(':reserved') || s.endsWith(':on-call'))
    if (busy.length === 0 && (await channels.count(tenant.trunks[0]!, 'in')) === 0) break
  }
  t.same(busy, [], 'no agent left reserved or on a call')
  t.equal(await channels.count(tenant.trunks[0]!, 'in'), 0, 'trunk channels back to zero')
  t.same(checkInvariants(await dumpPool(redis, 'bench'), 'bench'), [], 'the engine is consistent')
  const history = await readHistory(redis, 'bench', 'bench')
  const count = (type: string) => {
    const m = new Map<string, number>()
    for (const e of history) if (e.type === type && 'call' in e) m.set(e.call, (m.get(e.call) ?? 0) + 1)
    return m
  }
  const enqueued = count('enqueued')
  const connected = count('connected')
  const ended = count('call_ended')
  t.ok(enqueued.size > 100, `${enqueued.size} calls entered the ACD`)
  t.same([...connected].filter(([, n]) => n > 1), [], 'no call connected twice')
  t.same([...enqueued.keys()].filter((c) => ended.get(c) !== 1), [], 'every call that entered the ACD has exactly one end in its history')
  const lost = history.filter((e) => e.type === 'call_ended' && e.outcome === 'instance-lost').length
  t.ok(lost > 0, `${lost} calls of the killed instance ended as instance-lost`)
})
