import t, { type Test } from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { parseConfig } from '../../src/config/load'
import { connectRedis, scanKeys, type RedisLike } from '../../src/redis/connect'
import { hasRedisServer } from '../../src/redis/private-server'
import { PrivateSentinelGroup } from '../../src/redis/private-ha'
import { readRedisSettings } from '../../src/redis/settings'
import { OfferListener } from '../../src/service/offer-listener'
import { silentLogger } from '../../src/telemetry/logger'
import { agentsOf, haPlatform } from '../helpers/ha-platform'
import { checkLedger, exposed, readEvents, type LossWindow } from '../helpers/ha-ledger'
import { OpStream } from '../helpers/ha-stream'
import { checkInvariants, dumpPool } from '../helpers/invariants'

/*
 * What Redis guarantees, and so what these tests check. Replication is asynchronous: a write the
 * master acknowledged may not have reached the replica when it is promoted, and during a
 * SENTINEL FAILOVER the old master keeps taking writes until its clients leave it (they are told
 * by the sentinels' +switch-master, about a second after the promotion); such writes are lost.
 * The ACD's scripts are replicated whole (a script's effects are one transaction on the
 * replica): the new master holds a prefix of the old one's history, a consistent state. ioredis
 * sends again the commands it had in flight when a connection dropped; a script refuses a
 * transition already made (CALL_EXISTS, NOT_OFFERED, NOT_CONNECTED, ALREADY_LOGGED_IN...), so
 * none is applied twice.
 *
 * The loss window of a failover runs from the fence (a write the test makes on the master and
 * WAITs for the replica to have: every operation acknowledged before it is replicated) to the
 * moment every connection of the engines is on the new master. Checked: every operation
 * acknowledged outside the windows is in the history; an operation inside may be lost (counted
 * and shown); no effect is in the history more often than operations were sent; every call that
 * entered the ACD left it once; the invariants hold; no agent is left reserved, on a call or in
 * wrap-up; the offer readers (duplicated connections) follow too; the windows are short. A
 * planned switchover (writes paused on the master first) has no loss window at all.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** How long every connection must stay on the new master for a failover's loss window to end. */
const STABLE_MS = 3000
const TENANTS = [
  { id: 'acme', pool: 'north' },
  { id: 'globex', pool: 'south' },
]

async function sentinelHarness(t: Test) {
  const began = Date.now()
  const group = await PrivateSentinelGroup.start({ password: 'ha-secret', sentinelPassword: 'sentinel-secret' })
  t.teardown(() => group.stop())
  t.comment(`master, replica and 3 sentinels (quorum 2) up in ${Date.now() - began} ms`)
  const settings = readRedisSettings(group.env)
  const config = parseConfig(haPlatform(TENANTS), 'ha.yaml')
  const readyAt = new Map<RedisLike, number>()
  const connect = () => {
    const c = connectRedis(settings, { retryStrategy: () => 50 })
    c.on('error', () => {})
    c.on('ready', () => readyAt.set(c, Date.now()))
    t.teardown(() => c.disconnect())
    return c
  }
  const conns = [connect(), connect()] as const
  const owner = new AcdEngine(conns[0], config, { instanceId: 'owner' })
  const desk = new AcdEngine(conns[1], config, { instanceId: 'desk' })
  await owner.applyConfig(config)
  const listened: string[] = []
  const listener = new OfferListener(conns[0], 'owner', (n) => (listened.push(n.call), owner.emit('notice', n)), silentLogger)
  listener.follow(owner.pools())
  t.teardown(() => listener.stop())
  const seed = Number(process.env['ACD_HA_SEED'] ?? Date.now() % 100000)
  t.comment(`seed ${seed} (ACD_HA_SEED replays the stream's choices)`)
  const stream = new OpStream({ owner, desk, tenants: TENANTS.map((x) => ({ id: x.id, agents: agentsOf(x.id) })), queue: 'q', seed })
  const windows: LossWindow[] = []

  /** Fences, fails over, and waits until every engine connection is on the new master: the loss window. */
  const failover = async (how: string, trigger: () => Promise<{ from: number; to: number }>, withinMs: number) => {
    const from = Date.now()
    await group.fence()
    const ports = await trigger()
    const deadline = Date.now() + withinMs
    // on the new master itself: for a while the old one still says it is a master, and a
    // connection that comes back to it then is not out of the loss window yet
    const onNewMaster = (c: RedisLike) => c.status === 'ready' && (readyAt.get(c) ?? 0) > from && (c as unknown as { stream?: { remotePort?: number } }).stream?.remotePort === ports.to
    while (!conns.every(onNewMaster) && Date.now() < deadline) await sleep(10)
    const arrived = Date.now()
    t.ok(arrived < deadline, `${how}: master ${ports.from} -> ${ports.to}; every engine connection on the new master ${arrived - from} ms after the fence (limit ${withinMs} ms)`)
    // and settled there: a sentinel slow to hear of the failover can send a connection back to the
    // old master for a moment; the window lasts until no connection has moved for STABLE_MS
    let to = arrived
    const seen = () => conns.map((c) => readyAt.get(c) ?? 0).join()
    let last = seen()
    while (Date.now() - to < STABLE_MS && Date.now() < deadline + STABLE_MS) {
      await sleep(10)
      if (!conns.every(onNewMaster) || seen() !== last) {
        while (!conns.every(onNewMaster) && Date.now() < deadline + STABLE_MS) await sleep(10)
        last = seen()
        to = Date.now()
      }
    }
    if (to > arrived) t.comment(`${how}: a connection moved again after reaching the new master; the window ends ${to - from} ms after the fence`)
    windows.push({ from, to })
    return ports
  }

  /** Notices written straight on the new master reach every pool's offer reader. */
  const probeReaders = async (label: string) => {
    const master = (await group.master()).probe()
    const sent = Date.now()
    for (const x of TENANTS) await master.rpush(keys.offers(x.pool, 'owner'), JSON.stringify({ type: 'withdraw', tenant: x.id, call: label, agent: 'nobody' }))
    master.disconnect()
    while (listened.filter((c) => c === label).length < TENANTS.length && Date.now() - sent < 3000) await sleep(10)
    t.equal(listened.filter((c) => c === label).length, TENANTS.length, `${label}: notices written on the new master reach every pool's offer reader (duplicated connections) in ${Date.now() - sent} ms`)
  }

  /** Stops and drains the stream, then checks the ledger (with `lossWindows`), the invariants and the rest. */
  const verify = async (lossWindows: LossWindow[]) => {
    await stream.stop()
    await stream.drain()
    await sleep(300)
    const ok = stream.ops.filter((o) => o.outcome === 'ok')
    windows.forEach((w, i) => {
      const resumed = ok.filter((o) => o.start > w.to && o.end < (windows[i + 1]?.from ?? Infinity)).length
      t.ok(resumed >= 50, `operations resumed after failover ${i + 1} (${resumed} acknowledged)`)
    })
    const report = checkLedger(stream.ops, await readEvents(conns[0], new Map(TENANTS.map((x) => [x.id, x.pool]))), lossWindows)
    if (report.problems.length) t.comment(`loss windows: ${lossWindows.map((w) => `${w.from}..${w.to}`).join(', ')}`)
    t.same(report.problems.slice(0, 10), [], 'every operation acknowledged outside the loss windows is applied, and none twice; every call entered and left the ACD once')
    const lost = lossWindows.map((w) => report.lostInWindow.filter((o) => exposed(o, [w])).length)
    t.comment(
      `${stream.ops.length} operations, ${report.acknowledged} acknowledged, ${stream.calls.length} calls; acknowledged but lost in the loss windows: ${lost.join(', ') || 'none (no window)'} ` +
        `(${[...new Set(report.lostInWindow.map((o) => o.kind))].join(', ') || '-'}); ${report.appliedDespiteFailure} applied though seen failed`,
    )
    for (const { pool } of TENANTS) t.same(checkInvariants(await dumpPool(conns[0], pool), pool), [], `invariants of pool ${pool} hold on the new master`)
    t.same(await scanKeys(conns[0], keys.call('*', '*', '*')), [], 'no call left in the ACD once they all ended')
    const states = await Promise.all(TENANTS.flatMap((x) => agentsOf(x.id)).map(async (a) => `${a}:${(await desk.agentState(a)).state}`))
    t.same(states.filter((s) => /reserved|on-call|wrap-up/.test(s)), [], 'no agent stuck reserved, on a call or in wrap-up')
    t.same(await Promise.all(TENANTS.map((x) => conns[0].llen(keys.offers(x.pool, 'owner')))), [0, 0], 'every offer queued on the new master was read')
    t.comment(`test time ${Date.now() - began} ms`)
  }
  return { group, stream, windows, failover, probeReaders, verify }
}

const skip = !hasRedisServer() && 'redis-server missing'

t.test('Sentinel: the engine follows a SENTINEL FAILOVER, then a killed master, without a manual step; nothing lost outside the failover windows, nothing applied twice', { skip }, async (t) => {
  const h = await sentinelHarness(t)
  h.stream.start()
  await sleep(1500)
  const first = await h.failover('SENTINEL FAILOVER', () => h.group.failover(), 10_000)
  await h.probeReaders('probe-1')
  // the sentinels turn the old master into a replica of the new one (about 10 s), then it can take over
  await h.group.waitReplica(first.from, 30_000)
  await h.failover('master killed', () => h.group.killMaster(), 20_000)
  await h.probeReaders('probe-2')
  await sleep(1500)
  await h.verify(h.windows)
})

t.test('Sentinel, planned switchover (CLIENT PAUSE WRITE, then SENTINEL FAILOVER): no acknowledged operation lost at all', { skip }, async (t) => {
  const h = await sentinelHarness(t)
  h.stream.start()
  await sleep(1500)
  await h.failover('switchover', () => h.group.switchover(5000), 10_000)
  await h.probeReaders('probe')
  await sleep(1500)
  await h.verify([])
})
