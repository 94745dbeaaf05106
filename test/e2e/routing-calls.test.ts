// End to end on the real stack (drachtio-server, FreeSWITCH, Redis, the service, SIPp): the
// routing rules around the queues — overflow rules, closed DDIs, the on-call rota.
import t from 'tap'
import { freeUdpPort } from '../../src/stack/ports'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { requireBinaries } from '../helpers/binaries'
import { startMediaStack } from '../helpers/media-stack'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('routing rules over SIP', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch', 'sipp'])) return
  const { config, fs, engine, registrar, channels, target, trunk, history } = await startMediaStack(t)
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
})
