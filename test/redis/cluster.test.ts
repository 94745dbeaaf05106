import t from 'tap'
import { Cluster } from 'ioredis'
import { AcdEngine } from '../../src/acd/engine'
import { keys, poolPrefix } from '../../src/acd/keys'
import { Registrar } from '../../src/agents/registrar'
import { parseConfig } from '../../src/config/load'
import { connectRedis, mastersOf, scanKeys } from '../../src/redis/connect'
import { hasRedisServer } from '../../src/redis/private-server'
import { hasRedisCli, PrivateCluster } from '../../src/redis/private-ha'
import { readRedisSettings } from '../../src/redis/settings'
import { OfferListener } from '../../src/service/offer-listener'
import { silentLogger } from '../../src/telemetry/logger'
import { TrunkChannels } from '../../src/trunks/channels'
import { agentsOf, haPlatform } from '../helpers/ha-platform'
import { checkLedger, readEvents } from '../helpers/ha-ledger'
import { OpStream } from '../helpers/ha-stream'
import { checkInvariants, dumpPool } from '../helpers/invariants'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
// pools whose hash slots fall on the three masters of a fresh three-master cluster (checked below)
const TENANTS = [
  { id: 'acme', pool: 'north' },
  { id: 'globex', pool: 'south' },
  { id: 'initech', pool: 'east' },
]

/*
 * A real three-master Redis Cluster. Each pool is one hash slot (`acd:{<pool>}`), the pools on
 * three different masters: the engine's scripts (EVALSHA through defineCommand, loaded again on
 * NOSCRIPT on each master), the configuration (one transaction per pool), the blocking offer
 * readers, the trunk channels and the registrar work as on one server. There is no failover here:
 * nothing may be lost at all.
 */
t.test('Cluster: tenants in three pools on three masters; the ACD, trunk channels and registrations work per pool, nothing lost or applied twice', { skip: (!hasRedisServer() && 'redis-server missing') || (!hasRedisCli() && 'redis-cli missing (Debian package redis-tools)') }, async (t) => {
  const began = Date.now()
  const cluster = await PrivateCluster.start({ masters: 3 })
  t.teardown(() => cluster.stop())
  t.comment(`three cluster-enabled masters, slots assigned, in ${Date.now() - began} ms`)
  const settings = readRedisSettings(cluster.env)
  t.equal(settings.mode, 'cluster')
  const owners = await Promise.all(TENANTS.map((x) => cluster.ownerOf(poolPrefix(x.pool))))
  t.equal(new Set(owners).size, 3, `the pools' slots are on three different masters (${TENANTS.map((x, i) => `${x.pool}: ${owners[i]}`).join(', ')})`)

  const connect = () => {
    const c = connectRedis(settings)
    c.on('error', () => {})
    t.teardown(() => c.disconnect())
    return c
  }
  const ownerConn = connect()
  const deskConn = connect()
  t.ok(ownerConn instanceof Cluster, 'REDIS_CLUSTER_NODES gives a Cluster client')
  const config = parseConfig(haPlatform(TENANTS), 'ha.yaml')
  const owner = new AcdEngine(ownerConn, config, { instanceId: 'owner' })
  const desk = new AcdEngine(deskConn, config, { instanceId: 'desk' })
  await owner.applyConfig(config)
  for (const x of TENANTS) t.match(await ownerConn.hgetall(keys.queue(x.pool, x.id, 'q')), { strategy: 'longest-idle', ring_ms: '600' }, `queue definitions of pool ${x.pool} written`)
  let listened = 0
  const listener = new OfferListener(ownerConn, 'owner', (n) => (listened++, owner.emit('notice', n)), silentLogger)
  listener.follow(owner.pools())
  t.teardown(() => listener.stop())
  const seed = Number(process.env['ACD_HA_SEED'] ?? Date.now() % 100000)
  t.comment(`seed ${seed} (ACD_HA_SEED replays the stream's choices)`)
  const stream = new OpStream({ owner, desk, tenants: TENANTS.map((x) => ({ id: x.id, agents: agentsOf(x.id) })), queue: 'q', seed })
  stream.start()
  await sleep(2500)
  // the scripts are gone from every master: the next EVALSHA on each gets NOSCRIPT and loads them again
  for (const node of mastersOf(ownerConn)) await node.script('FLUSH')
  await sleep(2500)
  await stream.stop()
  await stream.drain()
  await sleep(300)

  const report = checkLedger(stream.ops, await readEvents(ownerConn, new Map(TENANTS.map((x) => [x.id, x.pool]))), [])
  t.same(report.problems.slice(0, 10), [], 'every acknowledged operation is applied, and none twice; every call entered and left the ACD once')
  t.same(stream.ops.filter((o) => o.outcome === 'error').map((o) => `${o.kind}: ${o.code}`).slice(0, 5), [], 'no operation failed other than by an ACD refusal')
  const byPool = TENANTS.map((x) => stream.ops.filter((o) => o.outcome === 'ok' && o.tenant === x.id).length)
  t.ok(byPool.every((n) => n >= 50), `operations acknowledged per pool: ${byPool.join(', ')}`)
  t.ok(listened > 0, `offers read through the per-pool blocking readers (${listened})`)
  t.comment(`${stream.ops.length} operations, ${report.acknowledged} acknowledged, ${stream.calls.length} calls`)
  for (const { pool } of TENANTS) t.same(checkInvariants(await dumpPool(ownerConn, pool), pool), [], `invariants of pool ${pool} hold`)
  t.same(await scanKeys(ownerConn, keys.call('*', '*', '*')), [], 'no call left in the ACD once they all ended')
  const states = await Promise.all(TENANTS.flatMap((x) => agentsOf(x.id)).map(async (a) => `${a}:${(await desk.agentState(a)).state}`))
  t.same(states.filter((s) => /reserved|on-call|wrap-up/.test(s)), [], 'no agent stuck reserved, on a call or in wrap-up')
  t.same(await Promise.all(TENANTS.map((x) => ownerConn.llen(keys.offers(x.pool, 'owner')))), [0, 0, 0], 'every offer was read')

  // trunk channels: the cap per trunk and direction, release, and the sweep of a stopped instance
  const channels = new TrunkChannels(ownerConn, config, 'owner')
  const gone = new TrunkChannels(deskConn, config, 'gone')
  for (const x of TENANTS) {
    const trunk = config.tenants.get(x.id)!.trunks[0]!
    const took = []
    for (let i = 0; i < 4; i++) took.push(await channels.acquire(trunk, 'in', `in-${i}`))
    t.same(took, [true, true, true, false], `${trunk.id}: three inbound channels, the fourth refused`)
    await channels.release(trunk, 'in', 'in-0')
    t.equal(await gone.acquire(trunk, 'in', 'gone-1'), true, `${trunk.id}: a released channel is taken by another instance`)
    t.equal(await channels.acquire(trunk, 'out', 'out-1'), true)
  }
  await channels.heartbeat(10_000)
  t.equal(await channels.sweep(), TENANTS.length, 'the sweep releases, in every pool, the channels of the instance without a heartbeat')
  for (const x of TENANTS) {
    const trunk = config.tenants.get(x.id)!.trunks[0]!
    t.same([await channels.count(trunk, 'in'), await channels.count(trunk, 'out')], [2, 1], `${trunk.id}: the live instance keeps its channels`)
  }
  t.equal(await channels.sweep(), 0, 'nothing left to sweep')

  // registrations, each in its tenant's pool slot
  const registrar = new Registrar(ownerConn, config, 'secret')
  for (const x of TENANTS) {
    const agent = config.agents.get(agentsOf(x.id)[0]!)!
    await registrar.register(config.tenants.get(x.id)!, agent, `sip:${agent.id}@127.0.0.80:5060`, '127.0.0.80', 60)
    t.match(await registrar.contactFor(agent.id, x.id), { tenant: x.id, contact: `sip:${agent.id}@127.0.0.80:5060` }, `${agent.id} registered in ${x.id}`)
  }

  // every key of a pool is on the master of its slot, and only there
  for (const [i, x] of TENANTS.entries()) {
    const onEach = await Promise.all(
      cluster.servers.map(async (s) => {
        const probe = s.probe()
        const [, found] = await probe.scan('0', 'MATCH', `${poolPrefix(x.pool)}:*`, 'COUNT', 100_000)
        probe.disconnect()
        return { port: s.port, n: found.length }
      }),
    )
    t.same(onEach.filter((e) => e.n > 0).map((e) => e.port), [owners[i]], `pool ${x.pool}: its ${onEach.reduce((a, e) => a + e.n, 0)} keys are all on master ${owners[i]}`)
  }
  const all = await scanKeys(ownerConn, 'acd:*')
  t.ok(TENANTS.every((x) => all.some((k) => k.startsWith(keys.registration(x.pool, x.id, '')))), 'a SCAN over the cluster (every master) finds every pool\'s registrations')
  t.comment(`test time ${Date.now() - began} ms`)
})
