// End to end over SIP (no media server) on Redis Sentinel: the service is started with
// REDIS_SENTINELS / REDIS_SENTINEL_MASTER over real redis-sentinel processes (a master, a replica,
// three sentinels, quorum 2, on loopback); SIPp callers at a steady bounded rate (3 calls/s, 45
// calls) reach SIPp agent phones through it; mid-traffic the master fails over: killed (SIGKILL),
// a planned switchover (writes paused, SENTINEL FAILOVER), or SENTINEL FAILOVER on a live master.
// Afterwards, read on the NEW master: every call that reached the platform has exactly one
// call_ended with an outcome, none connected twice, the calls in progress at the failover were
// answered and ended normally, no agent left reserved or on a call, trunk channels back to zero, the
// engine's invariants hold. Calls refused with 503 while no master was reachable never reached a
// queue: they are counted (at the callers and in the service's metrics) and printed, with the
// outage as the service logged it.
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { agentsOnOnePhone } from '../helpers/phone-agents'
import { benchPlatform } from '../../src/bench/bench-platform'
import { runLoad } from '../../src/bench/sipp-load'
import { parseConfig } from '../../src/config/load'
import { readHistory } from '../../src/events/history'
import { connectRedis } from '../../src/redis/connect'
import { PrivateSentinelGroup } from '../../src/redis/private-ha'
import { readRedisSettings } from '../../src/redis/settings'
import { readLog, startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { TrunkChannels } from '../../src/trunks/channels'
import { requireBinaries } from '../helpers/binaries'
import { checkInvariants, dumpPool } from '../helpers/invariants'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const DDI = '+33972000001'
const AGENTS = 15
/** calls per second, for how long: 45 calls in all */
const RATE = 3
const SECONDS = 15
const TALK_MS = 4000
/** the master is killed this long after the first call */
const KILL_AFTER_MS = 6000

/** Sum of a counter's samples in a Prometheus text exposition whose labels match all of `labels`. */
function counter(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const body = line.slice(name.length + 1, line.lastIndexOf('}'))
    const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

/**
 * The stack on a Sentinel group, SIPp traffic, `failover` run mid-traffic (it resolves once every
 * sentinel names the new master), then every check. A SENTINEL FAILOVER on a live master may undo
 * what the old master acknowledged last (README "Redis high availability"): the ends of calls and
 * the waiting callers' places the service tells again are counted (its log), and the checks are the
 * same: what the failover undid must have been repaired.
 */
async function trafficThroughFailover(t: Test, how: string, failover: (group: PrivateSentinelGroup) => Promise<{ from: number; to: number }>) {
  const began = Date.now()
  const group = await PrivateSentinelGroup.start({ password: 'e2e-secret' })
  t.teardown(() => group.stop())
  const firstMaster = await group.reportedMasterPort()
  t.comment(`master ${firstMaster}, replica and 3 sentinels (quorum 2, down-after 1000 ms) up in ${Date.now() - began} ms`)

  const yaml = benchPlatform({ tenant: 'bench', callerIp: '127.0.0.2', ddi: DDI, agents: AGENTS })
  const config = parseConfig(yaml, 'sentinel.yaml')
  const tenant = config.tenants.get('bench')!
  const trunk = tenant.trunks[0]!
  // the test's own connection goes through the sentinels too: after the failover it reads the new master
  const redis = connectRedis(readRedisSettings(group.env), { retryStrategy: () => 50 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  const drachtio = await startDrachtio(t)
  const app = await startApp(t, { configYaml: yaml, instanceId: 'sentinel-e2e', env: group.env, drachtio: { host: drachtio.host, adminPort: drachtio.adminPort, secret: drachtio.secret } })
  const { engine } = await agentsOnOnePhone(t, redis, config, 'bench', 'sentinel-observer')

  const stops: Array<() => Promise<unknown>> = []
  t.teardown(() => Promise.all(stops.map((s) => s())))
  const loadStarted = Date.now()
  const load = runLoad({
    label: 'sentinel', target: `${drachtio.host}:${drachtio.sipPort}`, rate: RATE, seconds: SECONDS, callerIp: '127.0.0.2', ddi: DDI, talkMs: TALK_MS, drainMs: 40_000,
    progress: () => undefined, onInterrupt: (s) => (stops.push(s), () => undefined),
  })
  await sleep(KILL_AFTER_MS)
  const killedAt = Date.now()
  const { from, to } = await failover(group)
  const agreedMs = Date.now() - killedAt
  t.not(to, from, `${how}: master ${from} failed over ${killedAt - loadStarted} ms into the traffic; every sentinel names ${to} ${agreedMs} ms later`)
  t.equal(from, firstMaster)
  const r = await load

  // wrap-ups (none here), the last calls, the engine catching up with what waited for the new master
  const channels = new TrunkChannels(redis, config, 'sentinel-observer')
  let busy: string[] = []
  for (const until = Date.now() + 20_000; Date.now() < until; await sleep(300)) {
    const states = await Promise.all([...config.agents.keys()].map((id) => engine.agentState(id).then((s) => `${id}:${s.state}`)))
    busy = states.filter((s) => s.endsWith(':reserved') || s.endsWith(':on-call'))
    if (busy.length === 0 && (await channels.count(trunk, 'in')) === 0) break
  }
  t.same(busy, [], 'no agent left reserved or on a call once traffic stops')
  t.equal(await channels.count(trunk, 'in'), 0, 'trunk inbound channels back to zero')
  t.same(checkInvariants(await dumpPool(redis, 'bench'), 'bench'), [], "the engine's invariants hold on the new master")

  // the callers' side: every call that failed at SIPp was one refused with 503
  const errors = existsSync(join(r.dir, 'errors.log')) ? readFileSync(join(r.dir, 'errors.log'), 'latin1') : ''
  const refusedAtCallers = (errors.match(/received 'SIP\/2\.0 503 /g) ?? []).length
  const metrics = await app.metrics()
  const refused503 = counter(metrics, 'sip_requests_total', { method: 'INVITE', status: '503' })
  const refusedNoRedis = counter(metrics, 'sip_calls_rejected_total', { tenant: 'bench', reason: 'redis-unavailable' })
  t.equal(refusedAtCallers, refused503, `the callers saw every 503 the service sent (${refused503})`)
  t.equal(refusedNoRedis, refused503, 'every 503 was the door refusing new calls while no master was reachable (redis-unavailable)')

  // the history, read on the new master
  const history = await readHistory(redis, 'bench', 'bench')
  const byCall = new Map<string, { first: number; types: string[]; ended: { outcome: string; at: number }[] }>()
  for (const e of history) {
    if (!('call' in e)) continue
    const at = Number(e.id.split('-')[0])
    const c = byCall.get(e.call) ?? { first: at, types: [], ended: [] }
    c.types.push(e.type)
    if (e.type === 'call_ended') c.ended.push({ outcome: e.outcome, at })
    byCall.set(e.call, c)
  }
  const reached = [...byCall.keys()]
  t.equal(reached.length, r.offered - refused503, `every call offered and not refused reached the platform (${reached.length} of ${r.offered})`)
  t.same(reached.filter((c) => byCall.get(c)!.ended.length !== 1 || !byCall.get(c)!.ended[0]!.outcome), [], 'every call that reached the platform has exactly one call_ended with an outcome')
  t.same(reached.filter((c) => byCall.get(c)!.types.filter((x) => x === 'connected').length > 1), [], 'no call connected twice')
  const unanswered = reached.filter((c) => byCall.get(c)!.ended[0]?.outcome !== 'answered')
  t.same(unanswered, [], 'every call that reached the platform was answered')
  t.equal(r.successful, reached.length - unanswered.length, 'the callers saw each answered call answered and ended normally')
  t.equal(r.failed, refused503, `every call that failed at the callers was refused with 503 (${r.failed} failed)`)
  const inProgress = reached.filter((c) => byCall.get(c)!.first < killedAt && (byCall.get(c)!.ended[0]?.at ?? 0) > killedAt)
  t.ok(inProgress.length > 0, `${inProgress.length} calls were in progress at the failover`)
  t.same(inProgress.filter((c) => byCall.get(c)!.ended[0]?.outcome !== 'answered'), [], 'each of them ended answered, once')

  // the failover as the service saw it: its connection lost, then ready on the new master
  const log = readLog(app.logFile).filter((l) => Number(l['time']) >= killedAt)
  const lost = log.find((l) => l['dependency'] === 'redis' && String(l['msg']).includes('unreachable'))
  const back = log.find((l) => l['msg'] === 'redis is back: configuration written again')
  t.ok(lost && back, 'the service logged losing Redis and coming back to it')
  const outageMs = back && lost ? Number(back['time']) - Number(lost['time']) : NaN
  t.ok(outageMs < 10_000, `the service was without a master for ${outageMs} ms`)
  t.ok((await app.health())['redis'], '/health: redis up, on the new master')
  const toldAgain = log.filter((l) => l['msg'] === 'ends of calls lost with the old Redis master told again').reduce((n, l) => n + Number(l['ended']), 0)
  const putBack = log.filter((l) => String(l['msg']).startsWith('waiting calls the ACD lacked')).reduce((n, l) => n + (l['calls'] as string[]).length, 0)
  t.comment(
    `sentinel-failover (${how}): offered=${r.offered} answered=${r.successful} refused_503=${refused503} unanswered=${unanswered.length} in_progress_at_failover=${inProgress.length} ` +
      `ends_told_again=${toldAgain} waiting_put_back=${putBack} service_outage_ms=${outageMs} sentinels_agreed_ms=${agreedMs} test_ms=${Date.now() - began}`,
  )
}

t.test('Sentinel: the master killed (SIGKILL) during SIPp traffic; no call that reached the platform lost, none answered twice, no agent stuck', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  await trafficThroughFailover(t, 'master killed', (group) => group.killMaster(20_000))
})

t.test('Sentinel: a planned switchover (CLIENT PAUSE WRITE, then SENTINEL FAILOVER) during SIPp traffic; the same, with nothing acknowledged lost', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  await trafficThroughFailover(t, 'switchover', (group) => group.switchover(5000, 20_000))
})

t.test('Sentinel: SENTINEL FAILOVER on a live master during SIPp traffic; what the old master took last and lost is told again: the same, every call answered, no agent stuck', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  await trafficThroughFailover(t, 'SENTINEL FAILOVER', (group) => group.failover(20_000))
})
