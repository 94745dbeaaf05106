// Caller and agent hear each other, checked by measurement on the real stack: drachtio-server,
// FreeSWITCH (the platform's configuration), redis-server, the service, SIPp callers whose audio
// is an RTP endpoint of the test, and a real softphone (baresip) as the agent, registered with
// digest and logged in with *41. Each side sends its own tone; what each side receives is decoded
// and searched for the other's tone (Goertzel), for every way a call gets bridged.
import t, { type Test } from 'tap'
import { keys } from '../../src/acd/keys'
import { RtpEndpoint } from '../../src/media/rtp-endpoint'
import { describeTone, type ToneReport } from '../../src/media/tone'
import { freeUdpPort } from '../../src/stack/ports'
import { runSipp, startSippUas, type SippResult } from '../../src/stack/sipp'
import { startBaresip, type BaresipPhone } from '../helpers/baresip'
import { requireBinaries } from '../helpers/binaries'
import { startMediaStack } from '../helpers/media-stack'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** The tones of the parties; none is in the hold music, the ringback or the prompts' main band. */
const CALLER_HZ = 1000
const ALICE_HZ = 1500
const BRUNO_HZ = 1800
const REMOTE_HZ = 2200
const CUSTOMER_HZ = 1200
/** Share of 100 ms frames that must carry the other party's tone. */
const PRESENT = 0.6

t.test('audio both ways on every bridge', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch', 'sipp', 'baresip'])) return
  const { redis, fs, app, engine, channels, trunk, target, carrierPort } = await startMediaStack(t, { ringTimeout: 5 })
  const proxy = target

  const phone = (scope: Test, user: string, ip: string, toneHz: number, codecs?: string[]) =>
    startBaresip(scope, { ip, user, domain: 'gridco.acd.local', password: `${user}-secret`, proxy, toneHz, codecs })
  const alice = await phone(t, 'alice', '127.0.0.21', ALICE_HZ)
  await alice.registered()

  /** A trunk caller (SIPp) whose audio is an RTP endpoint sending `toneHz`. */
  const call = async (ddi: string, opts: { talkMs?: number; remoteBye?: boolean; pcma?: boolean } = {}) => {
    const port = await freeUdpPort('127.0.0.2')
    const rtp = await RtpEndpoint.open({ host: '127.0.0.2', port, toneHz: CALLER_HZ, payloadType: opts.pcma ? 8 : 0 })
    t.teardown(() => rtp.close())
    const scenario = opts.remoteBye ? 'uac-caller-media-remote-bye' : 'uac-caller-media'
    const args = ['-s', ddi, '-set', 'rtp_port', String(port), ...(opts.remoteBye ? [] : ['-set', 'talk', String(opts.talkMs ?? 8000)]), ...(opts.pcma ? ['-set', 'pcma', '1'] : [])]
    const done: Promise<SippResult> = runSipp({ scenario, target, localIp: '127.0.0.2', args, timeoutMs: 90_000 })
    return { rtp, done }
  }
  /** A phone behind the outbound trunk (remote agent, callback customer) with its own tone. */
  const outsidePhone = async (toneHz: number) => {
    const port = await freeUdpPort('127.0.0.2')
    const rtp = await RtpEndpoint.open({ host: '127.0.0.2', port, toneHz })
    t.teardown(() => rtp.close())
    const uas = await startSippUas({ scenario: 'uas-phone-media', localIp: '127.0.0.2', localPort: carrierPort, calls: 1, timeoutMs: 90_000, args: ['-set', 'ring', '300', '-set', 'rtp_port', String(port)] })
    t.teardown(() => uas.stop())
    return { rtp, uas }
  }
  const callEvents = (from: number) => alice.events.slice(from)
  const established = (p: BaresipPhone, from: number, timeoutMs = 20_000) => p.waitEvent((e) => e.type === 'CALL_ESTABLISHED', timeoutMs, from)
  const closed = (p: BaresipPhone, from: number, timeoutMs = 30_000) => p.waitEvent((e) => e.type === 'CALL_CLOSED', timeoutMs, from)

  /** Both sides heard the other's tone (and not only their own echo). */
  const bothWays = (t: Test, what: string, a: { name: string; report: ToneReport; hz: number }, b: { name: string; report: ToneReport; hz: number }) => {
    t.ok(a.report.presence >= PRESENT, `${what}: ${a.name} hears ${describeTone(a.hz, a.report)}`)
    t.ok(b.report.presence >= PRESENT, `${what}: ${b.name} hears ${describeTone(b.hz, b.report)}`)
  }
  const settle = async (t: Test) => {
    t.ok(await fs.waitForChannels(0, 15_000), 'FreeSWITCH channels back to zero')
    t.equal(await channels.count(trunk, 'in'), 0, 'inbound trunk channels back to zero')
    t.equal(await channels.count(trunk, 'out'), 0, 'outbound trunk channels back to zero')
  }
  const waitState = async (agent: string, state: string, timeoutMs = 10_000) => {
    for (const until = Date.now() + timeoutMs; ; await sleep(100)) {
      const s = (await engine.agentState(agent)).state
      if (s === state) return true
      if (Date.now() > until) return false
    }
  }

  t.test('the softphone logs in with *41 (digest-authenticated) and is available', async (t) => {
    const from = alice.events.length
    await alice.command('dial', 'sip:*41@gridco.acd.local')
    await closed(alice, from, 10_000)
    t.ok(await waitState('alice', 'available'), 'alice is available')
  })

  t.test('agent answering at once; DTMF after the bridge reaches the agent as RFC 2833', async (t) => {
    const from = alice.events.length
    const caller = await call('+33972000001', { talkMs: 7000 })
    await established(alice, from)
    const t0 = Date.now()
    await sleep(3000)
    await caller.rtp.sendDigit('5')
    await caller.rtp.sendDigit('9')
    const dtmf = await alice.waitEvent((e) => e.type === 'CALL_DTMF_START' && e.param === '9', 5000, from).catch(() => undefined)
    t.same(callEvents(from).filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param), ['5', '9'], 'the agent received 5 then 9 as RFC 2833 events')
    t.ok(dtmf)
    const c = await caller.done
    t.equal(c.code, 0, `caller: ${c.errors}`)
    await closed(alice, from)
    bothWays(t, 'at once', { name: 'the caller', report: caller.rtp.heard(ALICE_HZ, t0 + 500), hz: ALICE_HZ }, { name: 'alice', report: alice.heard(CALLER_HZ, 0.5), hz: CALLER_HZ })
    t.equal(caller.rtp.heard(CALLER_HZ, t0 + 500).toneFrames, 0, 'the caller does not hear its own tone back')
    await settle(t)
  })

  t.test('agent answering after hold music, then hold and unhold from the agent phone', async (t) => {
    await engine.pause('alice', '1')
    const from = alice.events.length
    const caller = await call('+33972000001', { talkMs: 16_000 })
    await sleep(3000)
    const hold = caller.rtp.heard(ALICE_HZ)
    t.ok(caller.rtp.audioPackets() > 100, `hold music reached the caller (${caller.rtp.audioPackets()} packets)`)
    t.equal(hold.toneFrames, 0, "no agent's tone while on hold music")
    await engine.unpause('alice')
    await established(alice, from)
    const t0 = Date.now()
    await sleep(3000)
    bothWays(t, 'after hold music', { name: 'the caller', report: caller.rtp.heard(ALICE_HZ, t0 + 500), hz: ALICE_HZ }, { name: 'alice', report: alice.heard(CALLER_HZ, 0.5), hz: CALLER_HZ })
    await alice.command('hold')
    await sleep(2000)
    const onHold = Date.now()
    await sleep(1000)
    t.ok(caller.rtp.heard(ALICE_HZ, onHold).presence < 0.2, `on hold, the caller no longer hears alice: ${describeTone(ALICE_HZ, caller.rtp.heard(ALICE_HZ, onHold))}`)
    await alice.command('resume')
    await sleep(1000)
    const t1 = Date.now()
    await sleep(3000)
    const afterAgent = alice.received().samples.length
    t.ok(afterAgent > 0)
    bothWays(t, 'after unhold', { name: 'the caller', report: caller.rtp.heard(ALICE_HZ, t1), hz: ALICE_HZ }, { name: 'alice', report: alice.heard(CALLER_HZ, Math.max(0, afterAgent / 8000 - 2.5)), hz: CALLER_HZ })
    const c = await caller.done
    t.equal(c.code, 0, `caller: ${c.errors}`)
    await closed(alice, from)
    await settle(t)
  })

  t.test('agent answering after announcements (position and wait)', async (t) => {
    await engine.pause('alice', '1')
    const from = alice.events.length
    const caller = await call('+33972000002', { talkMs: 12_000 })
    await sleep(5000)
    await engine.unpause('alice')
    await established(alice, from)
    const t0 = Date.now()
    await sleep(3000)
    bothWays(t, 'after announcements', { name: 'the caller', report: caller.rtp.heard(ALICE_HZ, t0 + 500), hz: ALICE_HZ }, { name: 'alice', report: alice.heard(CALLER_HZ, 0.5), hz: CALLER_HZ })
    const c = await caller.done
    t.equal(c.code, 0, `caller: ${c.errors}`)
    await closed(alice, from)
    await settle(t)
  })

  t.test('agent answering after the IVR (key 1 as RFC 2833), the caller talking PCMA and the agent PCMU', async (t) => {
    await waitState('alice', 'available')
    const from = alice.events.length
    const caller = await call('+33972000003', { talkMs: 9000, pcma: true })
    await sleep(1000)
    await caller.rtp.sendDigit('1')
    await established(alice, from)
    const t0 = Date.now()
    await sleep(3000)
    t.ok((caller.rtp.received.get(8) ?? 0) > 100 && !caller.rtp.received.get(0), 'the caller receives PCMA only')
    bothWays(t, 'after the IVR (PCMA to PCMU)', { name: 'the caller', report: caller.rtp.heard(ALICE_HZ, t0 + 500), hz: ALICE_HZ }, { name: 'alice', report: alice.heard(CALLER_HZ, 0.5), hz: CALLER_HZ })
    const c = await caller.done
    t.equal(c.code, 0, `caller: ${c.errors}`)
    await closed(alice, from)
    await settle(t)
  })

  t.test('blind transfer to another queue, to an agent whose phone talks opus: the caller (PCMU) and the new agent hear each other', async (t) => {
    const bruno = await phone(t, 'bruno', '127.0.0.22', BRUNO_HZ, ['opus/48000/2'])
    await bruno.registered()
    await waitState('alice', 'available')
    const from = alice.events.length
    const caller = await call('+33972000001', { talkMs: 16_000 })
    await established(alice, from)
    await sleep(1500)
    await engine.pause('alice', '1') // pending: applied when the call leaves her
    await engine.login('bruno', ['gridco'])
    await alice.command('transfer', 'sip:queue-second@gridco.acd.local')
    await closed(alice, from)
    await established(bruno, 0)
    const t0 = Date.now()
    await sleep(3000)
    t.equal(bruno.decoder(), 'opus', "bruno's phone and FreeSWITCH talk opus")
    bothWays(t, 'after the transfer (opus)', { name: 'the caller', report: caller.rtp.heard(BRUNO_HZ, t0 + 500), hz: BRUNO_HZ }, { name: 'bruno', report: bruno.heard(CALLER_HZ, 0.5), hz: CALLER_HZ })
    const c = await caller.done
    t.equal(c.code, 0, `caller: ${c.errors}`)
    await closed(bruno, 0)
    await engine.logout('bruno')
    await settle(t)
  })

  t.test('a remote agent reached through the outbound trunk', async (t) => {
    t.ok(await waitState('alice', 'paused'))
    const remote = await outsidePhone(REMOTE_HZ)
    await engine.login('remi', ['gridco'])
    const caller = await call('+33972000001', { talkMs: 9000 })
    for (const until = Date.now() + 15_000; remote.rtp.audioPackets() < 20 && Date.now() < until; ) await sleep(100)
    const t0 = Date.now()
    await sleep(3000)
    bothWays(t, 'remote agent', { name: 'the caller', report: caller.rtp.heard(REMOTE_HZ, t0 + 500), hz: REMOTE_HZ }, { name: 'remi', report: remote.rtp.heard(CALLER_HZ, t0 + 500), hz: CALLER_HZ })
    const c = await caller.done
    t.equal(c.code, 0, `caller: ${c.errors}`)
    t.equal((await remote.uas.done).code, 0, 'the remote phone saw the call through')
    await engine.logout('remi')
    await settle(t)
  })

  t.test('callback: agent first, then the customer called on the outbound trunk', async (t) => {
    const caller = await call('+33972000005', { remoteBye: true })
    await sleep(2500)
    await caller.rtp.sendDigit('1')
    const c = await caller.done
    t.equal(c.code, 0, `the caller was thanked and let go: ${c.errors}`)
    const customer = await outsidePhone(CUSTOMER_HZ)
    const from = alice.events.length
    await engine.unpause('alice')
    await established(alice, from)
    for (const until = Date.now() + 15_000; customer.rtp.audioPackets() < 20 && Date.now() < until; ) await sleep(100)
    const t0 = Date.now()
    const heardBefore = alice.received().samples.length
    await sleep(3000)
    bothWays(
      t,
      'callback',
      { name: 'the customer', report: customer.rtp.heard(ALICE_HZ, t0 + 500), hz: ALICE_HZ },
      { name: 'alice', report: alice.heard(CUSTOMER_HZ, heardBefore / 8000 + 0.5), hz: CUSTOMER_HZ },
    )
    await alice.command('hangup')
    await closed(alice, from)
    t.equal((await customer.uas.done).code, 0, 'the customer saw the call through')
    const types = (await redis.xrange(keys.events('e2e', 'gridco'), '-', '+')).map(([, f]) => f[f.indexOf('type') + 1])
    t.ok(types.includes('callback_connected'))
    await settle(t)
  })

  t.test('an SRTP-only offer gets a pointed 488, never garbled audio', async (t) => {
    const r = await runSipp({ scenario: 'uac-caller-srtp', target, localIp: '127.0.0.2', args: ['-s', '+33972000001'], timeoutMs: 20_000 })
    t.equal(r.code, 0, `refused with 488 and a Warning naming SRTP: ${r.errors}`)
    await settle(t)
  })

  t.test('a late offer (INVITE without SDP) is answered with the offer and bridged with audio both ways', async (t) => {
    await engine.unpause('alice').catch(() => undefined)
    await waitState('alice', 'available')
    const port = await freeUdpPort('127.0.0.2')
    const rtp = await RtpEndpoint.open({ host: '127.0.0.2', port, toneHz: CALLER_HZ })
    t.teardown(() => rtp.close())
    const from = alice.events.length
    const done = runSipp({ scenario: 'uac-caller-late-offer', target, localIp: '127.0.0.2', args: ['-s', '+33972000001', '-set', 'rtp_port', String(port), '-set', 'talk', '7000'], timeoutMs: 40_000 })
    await established(alice, from)
    const t0 = Date.now()
    await sleep(3000)
    bothWays(t, 'late offer', { name: 'the caller', report: rtp.heard(ALICE_HZ, t0 + 500), hz: ALICE_HZ }, { name: 'alice', report: alice.heard(CALLER_HZ, 0.5), hz: CALLER_HZ })
    const c = await done
    t.equal(c.code, 0, `caller: ${c.errors}`)
    await closed(alice, from)
    await settle(t)
  })

  t.teardown(() => app.stop())
})
