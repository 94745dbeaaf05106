// End to end with media: callbacks. The caller presses the key and hangs up keeping their place;
// the agent answers first, then the customer is called on the tenant's outbound trunk (a SIPp
// carrier on 127.0.0.2), retried per the queue's policy, given up and reported.
import t, { type Test } from 'tap'
import { requireBinaries } from '../helpers/binaries'
import { startMediaStack } from '../helpers/media-stack'
import { runSipp, startSippUas } from '../../src/stack/sipp'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('callbacks through FreeSWITCH and the outbound trunk', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch', 'sipp'])) return
  const { config, fs, app, engine, registrar, channels, target, trunk, carrierPort, history } = await startMediaStack(t)

  t.test('callback: the caller presses 1 and hangs up keeping their place; the agent answers, the customer is called back and bridged', async (t) => {
    await engine.logout('alice').catch(() => undefined)
    const c = await runSipp({ scenario: 'uac-caller-callback', target, localIp: '127.0.0.2', args: ['-s', '+33972000005', '-set', 'before', '2500'], timeoutMs: 40_000 })
    t.equal(c.code, 0, `the caller was thanked and let go: ${c.errors}`)
    const requested = (await history()).find((e) => e['type'] === 'callback_requested')
    t.match(requested, { queue: 'callbacks', number: '+33612345678' })
    const call = requested!['call']!
    t.match(await engine.callState('gridco', call), { state: 'waiting', callback: '+33612345678' }, 'the call keeps its place without a caller')
    t.equal(await channels.count(trunk, 'in'), 0, 'the inbound channel is free once the caller hung up')
    t.ok(await fs.waitForChannels(0, 10_000), "the caller's FreeSWITCH channel is released")

    const customer = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.2', localPort: carrierPort, calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '300'] })
    t.teardown(() => customer.stop())
    const phone = await startSippUas({ scenario: 'uas-agent-answer-hangup', localIp: '127.0.0.10', calls: 1, timeoutMs: 30_000, args: ['-set', 'ring', '200', '-set', 'talk', '4000'] })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco'])
    t.ok(await fs.waitForChannels(2, 15_000), 'agent and customer legs on FreeSWITCH, bridged')
    t.equal(await channels.count(trunk, 'out'), 1, 'the callback holds one outbound channel of the trunk')
    const p = await phone.done
    t.equal(p.code, 0, `agent phone: ${p.errors}`)
    const cu = await customer.done
    t.equal(cu.code, 0, `the customer was called on the outbound trunk, answered and was hung up on: ${cu.errors}`)
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
    t.equal(await channels.count(trunk, 'out'), 0)
    const ev = (await history()).filter((e) => e['call'] === call)
    t.same(ev.map((e) => e['type']), ['enqueued', 'callback_requested', 'reserved', 'connected', 'callback_connected', 'completed', 'call_ended'])
    t.match(ev.find((e) => e['type'] === 'callback_connected'), { agent: 'alice', number: '+33612345678', attempt: '1' })
    t.match(ev.at(-1), { agent: 'alice', ended_by: 'agent' })
    await engine.logout('alice').catch(() => undefined)
  })

  t.test('callback: a caller whose number is withheld enters the number to call back (RFC 2833 digits, then #)', async (t) => {
    const c = await runSipp({ scenario: 'uac-caller-callback-number', target, localIp: '127.0.0.2', args: ['-s', '+33972000005', '-set', 'before', '2500', '-set', 'gap', '1000'], timeoutMs: 40_000 })
    t.equal(c.code, 0, `the caller was thanked and let go: ${c.errors}`)
    const requested = (await history()).filter((e) => e['type'] === 'callback_requested').at(-1)
    t.match(requested, { queue: 'callbacks', number: '+33612345678' }, 'the number entered, normalised')
    t.ok(await fs.waitForChannels(0, 10_000))
    // not made here: the call is taken out of the queue
    await engine.abandon('gridco', requested!['call']!)
  })

  t.test('callback: a busy customer is retried per the queue policy, then given up and reported', async (t) => {
    const c = await runSipp({ scenario: 'uac-caller-callback', target, localIp: '127.0.0.2', args: ['-s', '+33972000005', '-set', 'before', '2500'], timeoutMs: 40_000 })
    t.equal(c.code, 0, `caller: ${c.errors}`)
    const call = (await history()).filter((e) => e['type'] === 'callback_requested').at(-1)!['call']!
    const customer = await startSippUas({ scenario: 'uas-agent-busy', localIp: '127.0.0.2', localPort: carrierPort, calls: 2, timeoutMs: 30_000 })
    t.teardown(() => customer.stop())
    const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 2, timeoutMs: 30_000, args: ['-set', 'ring', '200'] })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco'])
    t.equal((await customer.done).code, 0, 'the customer was called twice and was busy twice')
    t.equal((await phone.done).code, 0, 'the agent answered each attempt and was released after it')
    let ev: Record<string, string>[] = []
    for (let i = 0; i < 50 && !ev.some((e) => e['final'] === 'yes'); i++) {
      await sleep(100)
      ev = (await history()).filter((e) => e['call'] === call)
    }
    t.same(
      ev.filter((e) => e['type']!.startsWith('callback_')).map((e) => [e['type'], e['outcome'] ?? '', e['final'] ?? '']),
      [
        ['callback_requested', '', ''],
        ['callback_failed', 'busy', 'no'],
        ['callback_retry', '', ''],
        ['callback_failed', 'busy', 'yes'],
      ],
    )
    t.equal(await engine.callState('gridco', call), undefined, 'the callback is given up')
    t.equal((await engine.agentState('alice')).state, 'available', 'the agent is free again')
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
    t.equal(await channels.count(trunk, 'out'), 0)
    t.equal(await channels.count(trunk, 'in'), 0)
    const metrics = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text()
    t.match(metrics, /acd_callbacks_total\{tenant="gridco",queue="callbacks",outcome="given-up"\} 1/)
    await engine.logout('alice').catch(() => undefined)
  })

  /** A caller takes the callback offer; the agent and the customer then behave per the scenarios. */
  async function callbackAttempts(t: Test, agentScenario: string, agentArgs: string[], customerScenario: string) {
    const c = await runSipp({ scenario: 'uac-caller-callback', target, localIp: '127.0.0.2', args: ['-s', '+33972000005', '-set', 'before', '2500'], timeoutMs: 40_000 })
    t.equal(c.code, 0, `caller: ${c.errors}`)
    const call = (await history()).filter((e) => e['type'] === 'callback_requested').at(-1)!['call']!
    const customer = await startSippUas({ scenario: customerScenario, localIp: '127.0.0.2', localPort: carrierPort, calls: 2, timeoutMs: 40_000 })
    t.teardown(() => customer.stop())
    const phone = await startSippUas({ scenario: agentScenario, localIp: '127.0.0.10', calls: 2, timeoutMs: 40_000, args: agentArgs })
    t.teardown(() => phone.stop())
    await registrar.register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.login('alice', ['gridco'])
    const cu = await customer.done
    t.equal(cu.code, 0, `the customer was called twice, and each call cancelled: ${cu.errors}`)
    t.equal((await phone.done).code, 0, 'the agent phone saw both attempts through')
    let ev: Record<string, string>[] = []
    for (let i = 0; i < 50 && !ev.some((e) => e['final'] === 'yes'); i++) {
      await sleep(100)
      ev = (await history()).filter((e) => e['call'] === call)
    }
    t.equal(await engine.callState('gridco', call), undefined, 'given up after two attempts')
    t.ok(await fs.waitForChannels(0, 10_000), 'FreeSWITCH channel count back to zero')
    t.equal(await channels.count(trunk, 'out'), 0)
    await engine.logout('alice').catch(() => undefined)
    return ev.filter((e) => e['type'] === 'callback_failed').map((e) => [e['outcome'], e['final']])
  }

  t.test('callback: the customer does not answer within ring_seconds: cancelled, retried, given up', async (t) => {
    const failed = await callbackAttempts(t, 'uas-agent-answer', ['-set', 'ring', '200'], 'uas-agent-noanswer')
    t.same(failed, [['no-answer', 'no'], ['no-answer', 'yes']])
  })

  t.test('callback: the agent hangs up while the customer rings: the call to the customer is cancelled, the attempt fails', async (t) => {
    const failed = await callbackAttempts(t, 'uas-agent-answer-hangup', ['-set', 'ring', '200', '-set', 'talk', '1000'], 'uas-agent-noanswer')
    t.same(failed, [['failed', 'no'], ['failed', 'yes']])
  })
})
