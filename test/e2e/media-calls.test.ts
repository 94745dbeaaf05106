// End to end with media: real drachtio-server, FreeSWITCH driven by drachtio-fsmrf, redis-server,
// the service, and SIPp callers and agent phones on loopback. Callers are answered into hold music.
import { createSocket } from 'node:dgram'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { keys } from '../../src/acd/keys'
import { readLog } from '../../src/stack/app'
import { freeUdpPort } from '../../src/stack/ports'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { requireBinaries } from '../helpers/binaries'
import { startMediaStack } from '../helpers/media-stack'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('calls through FreeSWITCH: hold music while queued, then bridged to the agent', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch', 'sipp'])) return
  const { redis, config, fs, app, engine, registrar, channels, target, trunk, voicemails, history } = await startMediaStack(t)

  t.test('hold music reaches the queued caller; the agent is bridged; every channel is released', async (t) => {
    const rtpPort = await freeUdpPort('127.0.0.2')
    const rtp = createSocket('udp4')
    let packets = 0
    rtp.on('message', () => packets++)
    await new Promise<void>((resolve) => rtp.bind(rtpPort, '127.0.0.2', resolve))
    t.teardown(() => rtp.close())
    const caller = runSipp({ scenario: 'uac-caller-media', target, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'talk', '5000', '-set', 'rtp_port', String(rtpPort)], timeoutMs: 30_000 })
    t.ok(await fs.waitForChannels(1, 10_000), 'the caller is on FreeSWITCH')
    await sleep(1500)
    const heard = packets
    t.ok(heard > 30, `RTP from the hold music reached the caller while queued (${heard} packets in ~1.5 s)`)
    t.equal((await engine.callState('gridco', (await redis.zrange(keys.queueWaiting('e2e', 'gridco', 'outages'), 0, 0))[0] ?? 'none'))?.['state'], 'waiting')

    const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '300'] })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco'])
    t.ok(await fs.waitForChannels(2, 10_000), 'caller and agent legs both on FreeSWITCH, bridged')
    const c = await caller
    t.equal(c.code, 0, `caller: ${c.errors}`)
    t.equal((await phone.done).code, 0, 'agent phone saw the call through')
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
    const types = (await redis.xrange(keys.events('e2e', 'gridco'), '-', '+')).map(([, f]) => f[f.indexOf('type') + 1])
    t.ok(types.includes('connected') && types.includes('completed'))
    t.equal(await channels.count(trunk, 'in'), 0)
    await engine.logout('alice').catch(() => undefined)
  })

  t.test("a queue's hold music from a FreeSWITCH local stream reaches the caller (sound, not silence)", async (t) => {
    const rtpPort = await freeUdpPort('127.0.0.2')
    const rtp = createSocket('udp4')
    let packets = 0
    let sound = 0
    rtp.on('message', (m: Buffer) => {
      packets++
      // PCMU silence is 0xFF / 0x7F; music varies across the 160 samples after the 12-byte header
      const payload = m.subarray(12)
      if (payload.some((b) => b !== 0xff && b !== 0x7f && b !== 0xfe && b !== 0x7e)) sound++
    })
    await new Promise<void>((resolve) => rtp.bind(rtpPort, '127.0.0.2', resolve))
    t.teardown(() => rtp.close())
    const caller = runSipp({ scenario: 'uac-caller-media', target, localIp: '127.0.0.2', args: ['-s', '+33972000006', '-set', 'talk', '3000', '-set', 'rtp_port', String(rtpPort)], timeoutMs: 30_000 })
    const r = await caller
    t.equal(r.code, 0, `caller: ${r.errors}`)
    t.ok(packets > 50, `${packets} RTP packets in ~3 s`)
    t.ok(sound > 25, `${sound} of them carry sound (the music has pauses)`)
    t.ok(await fs.waitForChannels(0, 10_000))
  })

  t.test('IVR: key 1 (RFC 2833) routes to the outage queue with urgency and priority; an invalid key falls to the default', async (t) => {
    const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '200'] })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco']).catch(() => undefined)
    const c = await runSipp({ scenario: 'uac-caller-dtmf-1', target, localIp: '127.0.0.2', args: ['-s', '+33972000003', '-set', 'before', '1000', '-set', 'talk', '3000'], timeoutMs: 30_000 })
    t.equal(c.code, 0, `caller: ${c.errors}`)
    t.equal((await phone.done).code, 0, 'alice took the call')
    const ev = (await redis.xrange(keys.events('e2e', 'gridco'), '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]]]))))
    const enq = ev.filter((e) => e['type'] === 'enqueued').at(-1)!
    t.match(enq, { queue: 'outages', priority: '90' })
    t.match(JSON.parse(enq['attrs']!), { urgency: 'critical', ivr: 'main:1', ddi: '+33972000003' }, "the caller's choice is recorded on the call")
    t.ok(ev.some((e) => e['type'] === 'connected' && e['call'] === enq['call'] && e['agent'] === 'alice'))
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
    await engine.logout('alice').catch(() => undefined)

    const wrong = await runSipp({ scenario: 'uac-caller-dtmf-7', target, localIp: '127.0.0.2', args: ['-s', '+33972000003', '-set', 'before', '800', '-set', 'talk', '8000'], timeoutMs: 30_000 })
    t.equal(wrong.code, 0, `caller: ${wrong.errors}`)
    const ev2 = (await redis.xrange(keys.events('e2e', 'gridco'), '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]]]))))
    const enq2 = ev2.filter((e) => e['type'] === 'enqueued').at(-1)!
    t.match(enq2, { queue: 'second' }, 'invalid key, then timeout: the default queue')
    t.match(JSON.parse(enq2['attrs']!), { ivr: 'main:7>main:-' })
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
  })

  t.test('the agent puts the caller on hold and back (re-INVITEs answered through FreeSWITCH)', async (t) => {
    const phone = await startSippUas({ scenario: 'uas-agent-hold', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000 })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco']).catch(() => undefined)
    const c = await runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'talk', '4000'], timeoutMs: 30_000 })
    t.equal(c.code, 0, `caller: ${c.errors}`)
    const p = await phone.done
    t.equal(p.code, 0, `hold and unhold answered with SDP: ${p.errors}`)
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
    await engine.logout('alice').catch(() => undefined)
  })

  t.test('waiting callers hear their position and estimated wait at the queue\'s frequency', async (t) => {
    const r = await runSipp({ scenario: 'uac-caller-bye-queued', target, localIp: '127.0.0.2', args: ['-s', '+33972000002', '-set', 'wait', '10000'] })
    t.equal(r.code, 0, `caller: ${r.errors}`)
    const lines = readLog(app.logFile)
    const said = lines.filter((l) => l['msg'] === 'position announced')
    t.ok(said.length >= 2, `announced ${said.length} times in 10 s (2 s after the previous one ended)`)
    t.match(said[0], { tenant: 'gridco', position: 1 })
    t.same(lines.filter((l) => l['msg'] === 'announcement failed'), [], 'every prompt file played')
    t.ok(await fs.waitForChannels(0, 10_000))
  })

  t.test('voicemail: the recording is stored under the tenant and appears in its history', async (t) => {
    // the caller speaks (7 s of recorded audio, RTP from the sip-tester capture) through the menu and the message
    const r = await runSipp({ scenario: 'uac-caller-bye-queued-rtp', target, localIp: '127.0.0.2', args: ['-s', '+33972000004', '-set', 'wait', '7000'] })
    t.equal(r.code, 0, `caller: ${r.errors}`)
    t.ok(await fs.waitForChannels(0, 10_000))
    const ev = (await redis.xrange(keys.events('e2e', 'gridco'), '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]]]))))
    const vm = ev.find((e) => e['type'] === 'voicemail')
    t.match(vm, { tenant: 'gridco', reason: 'ivr' })
    const file = String(vm?.['file'])
    t.ok(file.startsWith(join(voicemails, 'gridco') + '/'), `stored under the tenant: ${file}`)
    const wav = readFileSync(file)
    t.equal(wav.toString('ascii', 0, 4), 'RIFF')
    t.ok(wav.length > 8000, `a recording of ${wav.length} bytes`)
    const volt = await redis.xrange(keys.events('e2e', 'voltsupply'), '-', '+')
    t.notOk(volt.some(([, f]) => f.includes('voicemail')), "not in another tenant's history")
  })

  t.test('the caller hangs up in the IVR: recorded in the history, every channel released', async (t) => {
    const r = await runSipp({ scenario: 'uac-caller-bye-queued', target, localIp: '127.0.0.2', args: ['-s', '+33972000003', '-set', 'wait', '1000'] })
    t.equal(r.code, 0, `caller: ${r.errors}`)
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
    let ev: Record<string, string>[] = []
    for (let i = 0; i < 30 && !ev.some((e) => e['type'] === 'ivr_abandoned'); i++) {
      await sleep(100)
      ev = await history()
    }
    t.match(ev.filter((e) => e['type'] === 'ivr_abandoned').at(-1), { tenant: 'gridco', ivr: 'main' })
    t.equal(await channels.count(trunk, 'in'), 0)
  })

  t.test('a closed queue: voicemail, or the closed message and a hang-up; in the history, never queued', async (t) => {
    const vm = await runSipp({ scenario: 'uac-caller-bye-queued-rtp', target, localIp: '127.0.0.2', args: ['-s', '+33972000007', '-set', 'wait', '6000'] })
    t.equal(vm.code, 0, `caller: ${vm.errors}`)
    const msg = await runSipp({ scenario: 'uac-caller-remote-bye', target, localIp: '127.0.0.2', args: ['-s', '+33972000008'], timeoutMs: 30_000 })
    t.equal(msg.code, 0, `the caller heard the message and was hung up on: ${msg.errors}`)
    t.ok(await fs.waitForChannels(0, 10_000))
    const ev = await history()
    const closed = ev.filter((e) => e['type'] === 'closed')
    t.match(closed.slice(-2), [{ queue: 'closed-vm', action: 'voicemail' }, { queue: 'closed-msg', action: 'message' }])
    t.match(ev.find((e) => e['type'] === 'voicemail' && e['call'] === closed.at(-2)!['call']), { reason: 'closed', queue: 'closed-vm' })
    t.notOk(ev.some((e) => e['type'] === 'enqueued' && (e['queue'] === 'closed-vm' || e['queue'] === 'closed-msg')), 'never queued')
    const lines = readLog(app.logFile)
    t.ok(lines.some((l) => l['msg'] === 'queue closed' && l['tenant'] === 'gridco' && l['action'] === 'message'))
    t.equal(await channels.count(trunk, 'in'), 0)
  })

  t.test('caller hangs up while on hold: abandoned, media released', async (t) => {
    await engine.logout('alice').catch(() => undefined)
    const r = await runSipp({ scenario: 'uac-caller-bye-queued', target, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'wait', '1500'] })
    t.equal(r.code, 0, `caller: ${r.errors}`)
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
    const ev = (await redis.xrange(keys.events('e2e', 'gridco'), '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]]]))))
    t.ok(ev.some((e) => e['type'] === 'abandoned' && e['stage'] === 'queued'))
    t.equal(await channels.count(trunk, 'in'), 0)
  })
})
