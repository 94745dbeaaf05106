import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { AcdError, type Notice } from '../../src/acd/types'
import type { AgentLeg } from '../../src/call/ports'
import { config, fakeLeg, flowSetup as setup } from '../helpers/call-fakes'

t.test('queued, rung, answered, bridged; the agent hangs up: one ending, every leg released', async (t) => {
  const agent = fakeLeg('alice-phone', { agent: 'alice' })
  const s = setup({ answers: { alice: async () => agent.leg } })
  await s.start()
  t.same(s.eng.ops(), ['enqueue'])
  t.match(s.eng.calls[0]!.args[0], { tenant: 'gridco', queue: 'outages', callId: s.call.id, attributes: { ddi: '+33972000001' } })
  await s.timers.advance(5000) // waits 5 s
  await s.flow.notice(s.offer('alice'))
  await s.timers.advance(0)
  t.same(s.eng.ops(), ['enqueue', 'answer'])
  t.same(s.caller.log, ['connect:alice-phone'], 'the caller is joined to the agent')
  t.equal(s.call.phase, 'connected')
  await s.timers.advance(30_000) // talks 30 s
  agent.hangUpFarEnd()
  await s.timers.advance(0)
  t.same(s.eng.ops(), ['enqueue', 'answer', 'hangup'])
  t.same(s.eng.calls[2]!.args, ['gridco', s.call.id, 'agent'])
  t.same(s.ending(), [{ call: s.call.id, queue: 'outages', outcome: 'answered', reason: 'agent-hangup', ended_by: 'agent', agent: 'alice', wait_ms: 5000, talk_ms: 30_000, duration_ms: 35_000 }])
  t.same(s.caller.log, ['connect:alice-phone', 'hangup', 'release'], 'the caller is hung up on and released')
  t.same(agent.log, ['release'], "the agent's leg is released (it hung up itself)")
  t.same(s.ended, [s.call.id])
  agent.hangUpFarEnd()
  s.caller.hangUpFarEnd()
  await s.timers.advance(10)
  t.equal(s.ending().length, 1, 'exactly one call_ended, whatever comes after')
})

t.test('the caller hangs up while waiting: abandoned; the rings are cancelled', async (t) => {
  const s = setup({ answers: { alice: () => new Promise<AgentLeg>(() => undefined) } })
  await s.start()
  await s.flow.notice(s.offer('alice'))
  s.caller.hangUpFarEnd('cancel')
  await s.timers.advance(10)
  t.same(s.cancelled, ['alice'], 'the ring is cancelled')
  t.match(s.ending(), [{ outcome: 'abandoned', reason: 'caller-hangup', ended_by: 'caller' }])
  t.same(s.caller.log, ['release'])
})

t.test('ring-all: the first answer wins, the second leg is hung up and released', async (t) => {
  const a = fakeLeg('alice-phone', { agent: 'alice' })
  const b = fakeLeg('bruno-phone', { agent: 'bruno' })
  let answerBruno!: (l: AgentLeg) => void
  const s = setup({ answers: { alice: async () => a.leg, bruno: () => new Promise<AgentLeg>((r) => (answerBruno = r)) } })
  await s.start()
  await s.flow.notice(s.offer('alice', 'bruno'))
  await s.timers.advance(10)
  t.same(s.cancelled, ['bruno'], "bruno's ring is cancelled once alice answered")
  answerBruno(b.leg)
  await s.timers.advance(10)
  t.same(b.log, ['hangup', 'release'], 'an answer that came anyway is hung up')
  t.equal(s.eng.ops().filter((x) => x === 'answer').length, 1)
})

t.test('an agent declining (603) or busy is reported with its reason; unreachable agents too', async (t) => {
  const s = setup({ answers: { alice: async () => Promise.reject(Object.assign(new Error('declined'), { status: 603 })), bruno: async () => Promise.reject(Object.assign(new Error('busy'), { status: 486 })) } })
  await s.start()
  await s.flow.notice(s.offer('alice', 'bruno', 'remi'))
  await s.timers.advance(10)
  const reasons = s.eng.calls.filter((c) => c.op === 'noAnswer').map((c) => `${c.args[2]}:${c.args[3]}`).sort()
  t.same(reasons, ['alice:declined', 'bruno:busy', 'remi:unreachable'])
})

t.test('an answer to an offer the engine took back is hung up', async (t) => {
  const a = fakeLeg('alice-phone', { agent: 'alice' })
  const s = setup({ answers: { alice: async () => a.leg }, engine: { answer: () => Promise.reject(new AcdError('NOT_RESERVED', 'gone')) } })
  await s.start()
  await s.flow.notice(s.offer('alice'))
  await s.timers.advance(10)
  t.same(a.log, ['hangup', 'release'])
  t.equal(s.call.phase, 'queued', 'the caller keeps waiting')
})

t.test('a closed queue: the closed event, the message, then the end (refused)', async (t) => {
  const gridco = config.tenants.get('gridco')!
  const closed = { ...config, tenants: new Map(config.tenants) }
  closed.tenants.set('gridco', { ...gridco, queues: gridco.queues.map((q) => (q.id === 'outages' ? { ...q, closed: true, whenClosed: 'message' as const } : q)) })
  const s = setup({ tenantConfig: closed })
  const started = s.start()
  await s.timers.advance(1000)
  await started
  t.same(s.eng.events.map((e) => e.type), ['closed', 'call_ended'])
  t.match(s.ending(), [{ outcome: 'refused', reason: 'queue-closed', ended_by: 'system' }])
  t.notOk(s.eng.ops().includes('enqueue'), 'never queued')
})

t.test('a full queue: 486 and refused; an overflow out of the tenant: overflowed-out', async (t) => {
  const full = setup({ engine: { enqueue: () => ({ state: 'full', position: 0, priority: 0 }) } })
  await full.start()
  t.match(full.ending(), [{ outcome: 'refused', reason: 'queue-full' }])
  const out = setup()
  await out.start()
  await out.flow.notice({ type: 'overflow', tenant: 'gridco', call: out.call.id, queue: 'outages', target: 'hangup', reason: 'max-wait' } as Notice)
  await out.timers.advance(10)
  t.match(out.ending(), [{ outcome: 'overflowed-out', reason: 'overflow-max-wait' }])
})

t.test('blind transfer to a queue of the tenant: the agent is let go, the call queues again', async (t) => {
  const a = fakeLeg('alice-phone', { agent: 'alice' })
  const s = setup({ answers: { alice: async () => a.leg } })
  await s.start()
  await s.flow.notice(s.offer('alice'))
  await s.timers.advance(10)
  t.match(await a.refer('queue-billing'), { status: 404 }, "another tenant's queue is unknown here")
  t.match(await a.refer('+33972000011'), { status: 403, reason: /another tenant/ }, "another tenant's DDI is refused")
  t.same(await a.refer('queue-connections'), { status: 202 })
  a.hangUpFarEnd() // the phone hangs up once told: ends its leg only
  await s.timers.advance(10)
  t.same(s.eng.ops(), ['enqueue', 'answer', 'complete', 'enqueue'])
  t.match(s.eng.calls[3]!.args[0], { queue: 'connections', attributes: { transferred: 'true' } })
  t.same(a.log, ['hangup', 'release'])
  t.equal(s.call.phase, 'queued')
  t.same(s.ending(), [], 'the call goes on')
})

t.test('a callback: the agent first, then the customer, bridged; a busy customer frees the agent', async (t) => {
  const a = fakeLeg('alice-phone', { agent: 'alice' })
  const customer = fakeLeg('customer', { number: '+33612345678' })
  const s = setup({ answers: { alice: async () => a.leg }, outside: async () => ({ ok: true, leg: customer.leg }) })
  s.call.callbackNumber = '+33612345678'
  s.call.phase = 'callback'
  await s.flow.notice(s.offer('alice'))
  await s.timers.advance(10)
  t.same(s.outsideCalls, ['+33612345678'])
  t.match(a.log[0], /^play:/, 'the agent hears ringback meanwhile')
  t.same(customer.log, ['connect:alice-phone'], 'the customer is joined to the agent')
  t.match(s.eng.calls.find((c) => c.op === 'callbackResult')!.args, ['gridco', 'outages', s.call.id, 'connected'])
  customer.hangUpFarEnd()
  await s.timers.advance(10)
  t.match(s.ending(), [{ outcome: 'answered', reason: 'caller-hangup', agent: 'alice' }])

  const b = fakeLeg('alice-phone', { agent: 'alice' })
  const busy = setup({ answers: { alice: async () => b.leg }, outside: async () => ({ ok: false, outcome: 'busy', status: 486 }), engine: { callbackResult: () => ({ state: 'retry', attempt: 1 }) } })
  busy.call.callbackNumber = '+33612345678'
  busy.call.phase = 'callback'
  await busy.flow.notice(busy.offer('alice'))
  await busy.timers.advance(10)
  t.match(busy.eng.calls.find((c) => c.op === 'callbackResult')!.args, ['gridco', 'outages', busy.call.id, 'busy'])
  t.same(b.log.slice(1), ['hangup', 'release'], 'the agent is let go')
  t.equal(busy.call.phase, 'callback', 'the callback waits for its retry')
  t.same(busy.ending(), [])
})

t.test('IVR: a choice leading to voicemail records a message and ends as voicemail', async (t) => {
  process.env['VOICEMAIL_DIR'] = mkdtempSync(join(tmpdir(), 'acd-vm-'))
  const s = setup({ keys: ['0'] })
  let done = false
  const started = s.start({ kind: 'ivr', ivr: 'main' }).then(() => (done = true))
  for (let i = 0; i < 200 && !done; i++) await s.timers.advance(500)
  await started
  const types = s.eng.events.map((e) => e.type)
  t.same(types, ['voicemail', 'call_ended'])
  t.match(s.ending(), [{ outcome: 'voicemail', reason: 'ivr' }])
  t.match(s.eng.events[0]!.fields, { reason: 'ivr', attrs: { ddi: '+33972000001', ivr: 'main:0' } })
  t.equal(s.ending().length, 1)
})

t.test('the caller hangs up while the engine takes an answer: the answering leg is let go, nothing is left', async (t) => {
  const a = fakeLeg('alice-phone', { agent: 'alice' })
  let release!: () => void
  const s = setup({ answers: { alice: async () => a.leg }, engine: { answer: () => new Promise((r) => (release = () => r({ waitMs: 0 }))) } })
  await s.start()
  await s.flow.notice(s.offer('alice'))
  await s.timers.advance(0)
  s.caller.hangUpFarEnd()
  await s.timers.advance(0)
  release()
  await s.timers.advance(0)
  t.same(a.log, ['hangup', 'release'], "the agent's leg (and its media) is given back")
  t.same(s.caller.log, ['release'], 'never joined to the agent')
  t.equal(s.ending().length, 1)
})

t.test('Redis away when a call ends: the end is kept and told again once it is back', async (t) => {
  const a = fakeLeg('alice-phone', { agent: 'alice' })
  let redisUp = true
  const down = (fallback: () => unknown) => () => (redisUp ? fallback() : Promise.reject(new Error('Connection is closed.')))
  const kept: Array<() => Promise<unknown>> = []
  const s = setup({ answers: { alice: async () => a.leg }, engine: { hangup: down(() => undefined) }, deferred: { add: (_what, op) => void kept.push(op) } })
  await s.start()
  await s.flow.notice(s.offer('alice'))
  await s.timers.advance(0)
  redisUp = false
  a.hangUpFarEnd()
  await s.timers.advance(0)
  t.equal(kept.length, 1, 'the end of the call (engine hangup) is kept')
  t.same(a.log, ['release'], 'the legs are released all the same')
  redisUp = true
  await kept[0]!()
  t.same(s.eng.calls.filter((c) => c.op === 'hangup').length, 2, 'told again once Redis is back')
})
