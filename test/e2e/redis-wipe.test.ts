// End to end with media: Redis restarts WITHOUT its data while a call is connected (its agent
// on-call) and another agent is paused. The call keeps its media through the outage; when Redis
// is back the service tells the engine what it holds (the connected call, its agent on-call, the
// trunk channel, the agents' sessions from its last snapshot), so the call ends normally in the
// new history (restored, completed, call_ended) and no agent is left in a wrong state.
import t from 'tap'
import { keys } from '../../src/acd/keys'
import { readHistory } from '../../src/events/history'
import { RtpEndpoint } from '../../src/media/rtp-endpoint'
import { describeTone } from '../../src/media/tone'
import { readLog } from '../../src/stack/app'
import { freeUdpPort } from '../../src/stack/ports'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { requireBinaries } from '../helpers/binaries'
import { startMediaStack } from '../helpers/media-stack'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const CALLER_HZ = 1000
const ALICE_HZ = 1500

t.test('Redis restarted empty mid-call: media kept, the call and the agents restored in the engine', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch', 'sipp'])) return
  const { redis, server, config, fs, app, engine, registrar, channels, target, trunk } = await startMediaStack(t)
  const alicePort = await freeUdpPort('127.0.0.10')
  const aliceRtp = await RtpEndpoint.open({ host: '127.0.0.10', port: alicePort, toneHz: ALICE_HZ })
  const phone = await startSippUas({ scenario: 'uas-phone-media', localIp: '127.0.0.10', calls: 1, timeoutMs: 90_000, args: ['-set', 'ring', '200', '-set', 'rtp_port', String(alicePort)] })
  t.teardown(() => {
    aliceRtp.close()
    return phone.stop()
  })
  await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
  await engine.login('alice', ['gridco'])
  await engine.login('emma', ['voltsupply'])
  await engine.pause('emma', 'lunch')
  const callerPort = await freeUdpPort('127.0.0.2')
  const rtp = await RtpEndpoint.open({ host: '127.0.0.2', port: callerPort, toneHz: CALLER_HZ })
  t.teardown(() => rtp.close())
  const caller = runSipp({ scenario: 'uac-caller-media', target, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'rtp_port', String(callerPort), '-set', 'talk', '14000'], timeoutMs: 60_000 })
  for (const until = Date.now() + 15_000; (await engine.agentState('alice')).state !== 'on-call' && Date.now() < until; ) await sleep(100)
  const before = await engine.agentState('alice')
  t.equal(before.state, 'on-call', 'alice is connected to the caller')
  const callId = before.call!.split('/')[1]!
  // a second caller waits in the queue (alice is busy) and hangs up after the outage
  const waiter = runSipp({ scenario: 'uac-caller-bye-queued', target, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'wait', '9000'], timeoutMs: 60_000 })
  let waiting: string | undefined
  for (const until = Date.now() + 10_000; !waiting && Date.now() < until; await sleep(100)) waiting = (await redis.zrange(keys.queueWaiting('e2e', 'gridco', 'outages'), 0, 0))[0]
  t.ok(waiting, 'a second caller waits in outages')
  await sleep(2500) // a heartbeat's snapshot of the agents' sessions

  await redis.set('test:marker', 'before the restart')
  await server.down()
  const downAt = Date.now()
  await sleep(2000)
  const during = rtp.heard(ALICE_HZ, downAt)
  t.ok(during.presence >= 0.6, `the caller hears alice while Redis is down: ${describeTone(ALICE_HZ, during)}`)
  await server.up()
  for (const until = Date.now() + 5000; redis.status !== 'ready' && Date.now() < until; ) await sleep(50)
  t.equal(await redis.get('test:marker'), null, 'Redis came back without its data')

  let restored = false
  for (const until = Date.now() + 15_000; !restored && Date.now() < until; await sleep(200)) {
    const s = await engine.agentState('alice').catch(() => undefined)
    const e = await engine.agentState('emma').catch(() => undefined)
    restored = s?.state === 'on-call' && s.call === `gridco/${callId}` && e?.state === 'paused'
  }
  t.ok(restored, 'alice is on-call on the same call again, emma paused again')
  t.match(await engine.callState('gridco', callId), { state: 'connected', agent: 'alice', queue: 'outages' })
  t.equal((await engine.agentState('emma')).reason, 'lunch', "emma's pause keeps its reason")
  t.match(await engine.callState('gridco', waiting!), { state: 'waiting', queue: 'outages' }, 'the waiting caller is back in its queue')
  t.equal(await channels.count(trunk, 'in'), 2, "the calls' trunk channels are counted again")
  t.ok(readLog(app.logFile).some((l) => l['msg'] === 'the ACD state was lost with Redis: what this instance holds is told again' && l['connected'] === 1), 'the restoration is logged')
  const after = Date.now()
  await sleep(1500)
  t.ok(rtp.heard(ALICE_HZ, after).presence >= 0.6, 'and still after it')

  const w = await waiter
  t.equal(w.code, 0, `the waiting caller hung up: ${w.errors}`)
  const c = await caller
  t.equal(c.code, 0, `the call went to its end: ${c.errors}`)
  let alice = ''
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(200)) {
    alice = (await engine.agentState('alice')).state
    if (alice === 'available') break
  }
  t.equal(alice, 'available', 'alice is free after the wrap-up, not stuck on-call or logged out')
  const history = await readHistory(redis, 'e2e', 'gridco')
  t.same(history.filter((e) => 'call' in e && e.call === callId).map((e) => e.type), ['restored', 'completed', 'call_ended'], "the call's record in the history since the restart, complete and once")
  t.match(history.find((e) => e.type === 'call_ended' && e.call === callId), { outcome: 'answered', agent: 'alice' })
  t.same(history.filter((e) => 'call' in e && e.call === waiting).map((e) => e.type), ['enqueued', 'abandoned', 'call_ended'], "the waiting caller's record too")
  t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channels back to zero')
  t.equal(await channels.count(trunk, 'in'), 0, 'trunk channels back to zero')
  await engine.logout('alice').catch(() => undefined)
  await engine.unpause('emma').catch(() => undefined)
  await engine.logout('emma').catch(() => undefined)
})
