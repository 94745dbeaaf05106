// End to end on the real stack (drachtio-server, FreeSWITCH, Redis, the service, SIPp): the
// routing rules around the queues — overflow rules, closed DDIs, the on-call rota.
import t from 'tap'
import { onDuty } from '../../src/routing/on-call'
import { freeUdpPort } from '../../src/stack/ports'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { requireBinaries } from '../helpers/binaries'
import { startMediaStack } from '../helpers/media-stack'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('routing rules over SIP', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch', 'sipp'])) return
  const { config, fs, engine, registrar, channels, target, trunk, history, carrierPort } = await startMediaStack(t)
  const until = async (what: string, ok: () => Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms
    while (Date.now() < end) {
      if (await ok()) return true
      await sleep(100)
    }
    t.fail(`timed out waiting for ${what}`)
    return false
  }

  t.test('overflow on wait: after 2 s the caller moves to the other queue, keeping its place, and is answered there', async (t) => {
    const rtpPort = await freeUdpPort('127.0.0.2')
    const caller = runSipp({ scenario: 'uac-caller-media', target, localIp: '127.0.0.2', args: ['-s', '+33972000009', '-set', 'talk', '9000', '-set', 'rtp_port', String(rtpPort)], timeoutMs: 40_000 })
    await until('the overflow', async () => (await history()).some((e) => e['type'] === 'overflowed' && e['queue'] === 'overflowing'))
    const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '300'] })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco'])
    const c = await caller
    t.equal(c.code, 0, `caller: ${c.errors}`)
    t.equal((await phone.done).code, 0)
    await until('the end of the call', async () => (await history()).some((e) => e['type'] === 'call_ended' && e['queue'] === 'outages'))
    const ev = await history()
    const overflowed = ev.find((e) => e['type'] === 'overflowed' && e['queue'] === 'overflowing')!
    const mine = ev.filter((e) => e['call'] === overflowed['call'])
    t.match(overflowed, { reason: 'waited', target: 'queue:outages' })
    t.ok(Number(overflowed['wait_ms']) >= 2000 && Number(overflowed['wait_ms']) < 4000, `left after ${overflowed['wait_ms']} ms`)
    t.same(mine.map((e) => e['type']).filter((x) => ['enqueued', 'overflowed', 'connected', 'completed', 'call_ended'].includes(x!)), ['enqueued', 'overflowed', 'enqueued', 'connected', 'completed', 'call_ended'])
    t.match(mine.find((e) => e['type'] === 'connected'), { queue: 'outages', agent: 'alice' })
    t.ok(Number(mine.find((e) => e['type'] === 'connected')!['wait_ms']) >= 2000, 'the wait counts from the first arrival')
    t.match(mine.at(-1), { type: 'call_ended', outcome: 'answered', queue: 'outages' })
    const first = await engine.snapshot('gridco', 'overflowing')
    const second = await engine.snapshot('gridco', 'outages')
    t.match(first.stats, { offered: 1, overflowed: 1 })
    t.match(second.stats, { overflow_in: 1 })
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channels back to zero')
    t.equal(await channels.count(trunk, 'in'), 0)
    await engine.logout('alice').catch(() => undefined)
  })

  const endingOf = async (ddi: string) => {
    let call: string | undefined
    await until(`the end of the call to ${ddi}`, async () => {
      const ev = await history()
      call = ev.filter((e) => e['type'] === 'out_of_hours' && e['ddi'] === ddi).at(-1)?.['call']
      return call !== undefined && ev.some((e) => e['type'] === 'call_ended' && e['call'] === call)
    })
    return (await history()).filter((e) => e['call'] === call)
  }

  t.test('closed hours: the closed message, then a hang-up; never queued', async (t) => {
    const msg = await runSipp({ scenario: 'uac-caller-remote-bye', target, localIp: '127.0.0.2', args: ['-s', '+33972000021'], timeoutMs: 30_000 })
    t.equal(msg.code, 0, `the caller heard the message and was hung up on: ${msg.errors}`)
    const mine = await endingOf('+33972000021')
    t.match(mine[0], { type: 'out_of_hours', reason: 'after-hours', handling: 'message', caller: '+33612345678' })
    t.notOk(mine.some((e) => e['type'] === 'enqueued'), 'never queued')
    t.match(mine.at(-1), { type: 'call_ended', outcome: 'refused', reason: 'out-of-hours' })
    t.ok(await fs.waitForChannels(0, 10_000))
    t.equal(await channels.count(trunk, 'in'), 0)
  })

  t.test('a holiday: voicemail, with the holiday named and when the line opens', async (t) => {
    const vm = await runSipp({ scenario: 'uac-caller-bye-queued-rtp', target, localIp: '127.0.0.2', args: ['-s', '+33972000022', '-set', 'wait', '5000'], timeoutMs: 30_000 })
    t.equal(vm.code, 0, `caller: ${vm.errors}`)
    const mine = await endingOf('+33972000022')
    t.match(mine[0], { type: 'out_of_hours', reason: 'holiday:founders-day', handling: 'voicemail' })
    t.ok(Number(mine[0]!['opens_at']) > Date.now(), 'opens after the holiday')
    t.match(mine.find((e) => e['type'] === 'voicemail'), { reason: 'out-of-hours' })
    t.match(mine.at(-1), { type: 'call_ended', outcome: 'voicemail' })
    t.ok(await fs.waitForChannels(0, 10_000))
    t.equal(await channels.count(trunk, 'in'), 0)
  })

  t.test("on call: out of hours the call reaches the technician on duty on the carrier (a SIPp phone), marked on-call", async (t) => {
    const technician = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.2', localPort: carrierPort, calls: 1, timeoutMs: 40_000, args: ['-set', 'ring', '500'] })
    t.teardown(() => technician.stop())
    const rtpPort = await freeUdpPort('127.0.0.2')
    const caller = await runSipp({ scenario: 'uac-caller-media', target, localIp: '127.0.0.2', args: ['-s', '+33972000023', '-set', 'talk', '6000', '-set', 'rtp_port', String(rtpPort)], timeoutMs: 40_000 })
    t.equal(caller.code, 0, `caller: ${caller.errors}`)
    t.equal((await technician.done).code, 0, 'the technician answered')
    const mine = await endingOf('+33972000023')
    const duty = onDuty(config.tenants.get('gridco')!.onCall.get('night')!, 'Europe/Paris', new Date())
    t.match(mine[0], { type: 'out_of_hours', handling: 'on-call' })
    const fwd = mine.find((e) => e['type'] === 'forwarded')!
    t.match(fwd, { reason: 'on-call', rota: 'night', technician: duty.id, number: duty.number, attempt: '1', outcome: 'answered' })
    t.ok(Number(fwd['response_ms']) >= 500, `response time ${fwd['response_ms']} ms, the ring included`)
    t.match(mine.at(-1), { type: 'call_ended', outcome: 'on-call' })
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channels back to zero')
    t.equal(await channels.count(trunk, 'in'), 0)
    t.equal(await channels.count(trunk, 'out'), 0, 'the outbound channel is given back')
  })
})
