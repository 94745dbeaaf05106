import t from 'tap'
import type { CallbackOffer } from '../../src/config/model'
import { loadConfigFile } from '../../src/config/load'
import { holdMusicFor, ringbackTone } from '../../src/media/prompts'
import { callableNumber } from '../../src/routing/number-policy'
import { askCallbackNumber, callbackChoice } from '../../src/call/steps/callback-offer'
import { WaitingRoom } from '../../src/call/steps/waiting-room'
import { agentRefusal, attemptOutcome, refusalOf } from '../../src/call/refusals'
import { silentLogger } from '../../src/telemetry/logger'
import { callerContext, fakeEngine, fakeMedia, ManualTimers } from '../helpers/call-fakes'

const config = loadConfigFile('config/platform.yaml')

t.test('number policy: the same for transfers, callbacks and campaigns', async (t) => {
  t.match(callableNumber(config, 'gridco', '+33 6 12 34 56 78'), { ok: true, number: '+33612345678' })
  t.match(callableNumber(config, 'gridco', '0612345678'), { ok: true, number: '+33612345678' }, 'national format with the platform region')
  t.match(callableNumber(config, 'gridco', '+442079460000'), { ok: false, reason: /not a number tenant gridco may call/ })
  t.match(callableNumber(config, 'gridco', 'anonymous'), { ok: false, reason: /not a valid phone number/ })
  t.match(callableNumber(config, 'gridco', undefined), { ok: false })
  t.match(callableNumber(config, 'nobody', '+33612345678'), { ok: false, reason: /unknown tenant/ })
})

t.test('final responses: one meaning for every leg; 603 is a decline, retried like busy for customers', async (t) => {
  t.equal(refusalOf(486), 'busy')
  t.equal(refusalOf(600), 'busy')
  t.equal(refusalOf(603), 'declined')
  t.equal(agentRefusal(603), 'declined', 'an agent declining is recorded as such')
  t.equal(agentRefusal(480), 'ring-timeout')
  t.equal(agentRefusal(404), 'unreachable')
  t.equal(attemptOutcome(486, false), 'busy')
  t.equal(attemptOutcome(603, false), 'busy', 'a customer who declined is retried as busy')
  t.equal(attemptOutcome(480, false), 'no-answer')
  t.equal(attemptOutcome(487, true), 'no-answer', 'cancelled after the ring time')
  t.equal(attemptOutcome(503, false), 'failed')
  t.equal(attemptOutcome(undefined, false), 'failed')
})

t.test('a queue may ring back instead of music; the cadence follows the region', async (t) => {
  const tenant = config.tenants.get('gridco')!
  t.equal(holdMusicFor(tenant, 'ringback', 'FR'), 'tone_stream://L=-1;%(1500,3500,440)')
  t.equal(holdMusicFor(tenant, 'ringback', 'US'), ringbackTone('US'))
  t.match(ringbackTone('ZZ'), /425/, 'elsewhere the ITU-T cadence')
  t.equal(holdMusicFor(tenant, 'local_stream://moh'), 'local_stream://moh', 'a local stream as is')
  t.equal(holdMusicFor(tenant, '/srv/music/queue.wav'), '/srv/music/queue.wav', 'a file as is')
})

const offer = (o: Partial<CallbackOffer>): CallbackOffer => ({
  offerAfterSeconds: 5,
  repeatSeconds: 0,
  key: '1',
  prompt: 'callback-offer',
  confirmPrompt: 'callback-confirmed',
  askNumber: false,
  numberPrompt: 'enter-callback-number',
  ringSeconds: 30,
  retry: { maxAttempts: 3, retrySeconds: { busy: 60, 'no-answer': 60, failed: 60 } },
  expireSeconds: 3600,
  ...o,
})

t.test('waiting room: the offer comes after offer_after_seconds, the key is taken once, the room closes', async (t) => {
  const timers = new ManualTimers()
  const caller = fakeMedia(timers, ['1', '1'])
  const ctx = callerContext(config, 'voltsupply', 'billing', caller.media, timers)
  let accepted = 0
  const room = new WaitingRoom(ctx, 4, { offer: offer({ repeatSeconds: 5 }), accept: async () => (++accepted, true) })
  room.start()
  await timers.advance(3999)
  t.same(caller.heard, [], 'nothing before the first announcement is due')
  await timers.advance(1)
  t.equal(caller.heard.length, 1, 'the announcement at 4 s')
  t.match(caller.heard[0], /^play:.*\+/, 'position and estimated wait, several prompts in one playback')
  await timers.advance(1300)
  t.match(caller.heard[1], /^collect:callback-offer\.wav$/, 'the offer at 5 s, after the announcement ended (one at a time)')
  await timers.advance(60_000)
  t.equal(accepted, 1)
  t.equal(caller.heard.filter((p) => p.startsWith('collect:')).length, 1, 'not offered again once taken')
  t.notOk(caller.overlapped(), 'one prompt at a time')
  t.equal(timers.pending, 0, 'the room closed: no timer left')
})

t.test('waiting room: another key resumes the music; the offer repeats; nothing plays while agents ring', async (t) => {
  const timers = new ManualTimers()
  const caller = fakeMedia(timers, ['5', '5', '5', '5', '5', '5'])
  const ctx = callerContext(config, 'voltsupply', 'billing', caller.media, timers)
  let asked = 0
  const room = new WaitingRoom(ctx, 3, { offer: offer({ offerAfterSeconds: 2, repeatSeconds: 4 }), accept: async () => (++asked, true) })
  room.start()
  await timers.advance(20_000)
  t.equal(asked, 0, 'a wrong key is not an acceptance')
  const offers = caller.heard.filter((p) => p.startsWith('collect:')).length
  t.ok(offers >= 3 && offers <= 5, `offered ${offers} times in 20 s (every 4 s after the previous one ended)`)
  t.ok(caller.heard.some((p) => p.startsWith('play:')), 'position announcements in between')
  t.ok(ctx.resumed() >= offers, 'hold music back after each')
  t.notOk(caller.overlapped(), 'never two at once')
  ctx.call.answering = true
  await timers.advance(1000)
  const before = caller.heard.length
  await timers.advance(30_000)
  t.equal(caller.heard.length, before, 'silent while agents ring')
  ctx.call.answering = false
  await timers.advance(5000)
  t.ok(caller.heard.length > before, 'what was due plays once the caller waits again')
  room.stop()
  t.equal(timers.pending, 0)
})

t.test('waiting room: without a callback offer only announcements play', async (t) => {
  const timers = new ManualTimers()
  const caller = fakeMedia(timers)
  const room = new WaitingRoom(callerContext(config, 'voltsupply', 'billing', caller.media, timers), 2, undefined)
  room.start()
  await timers.advance(10_000)
  room.stop()
  t.notOk(caller.heard.some((p) => p.startsWith('collect:')))
  t.ok(caller.heard.filter((p) => p.startsWith('play:')).length >= 3)
})

t.test('callback choice: the caller\'s own number when the tenant may call it, else keyed in', async (t) => {
  const timers = new ManualTimers()
  const { engine, ops } = fakeEngine(config)
  const own = callerContext(config, 'gridco', 'outages', fakeMedia(timers).media, timers, engine, '+33612345678')
  let letGo = 0
  const choice = callbackChoice(own, offer({}), async () => void letGo++)!
  const accepted = choice.accept()
  await timers.advance(1000)
  t.equal(await accepted, true)
  t.equal(own.call.callbackNumber, '+33612345678')
  t.equal(own.call.phase, 'callback', 'the call keeps its place without a caller')
  t.equal(letGo, 1, 'the caller is let go')
  t.same(ops(), ['requestCallback'])
  const withheld = callerContext(config, 'gridco', 'outages', fakeMedia(timers).media, timers, engine, 'anonymous')
  t.equal(callbackChoice(withheld, offer({}), async () => undefined), undefined, 'no offer to a withheld caller without ask_number')
  t.ok(callbackChoice(withheld, offer({ askNumber: true }), async () => undefined), 'with ask_number the caller keys one in')
})

t.test('a caller whose number cannot be called back enters one; the number policy decides', async (t) => {
  const timers = new ManualTimers()
  const entered = async (digits: string) => {
    const caller = fakeMedia(timers, [digits], 10)
    const ctx = callerContext(config, 'gridco', 'outages', caller.media, timers, undefined, 'anonymous')
    const asked = askCallbackNumber(ctx, offer({ askNumber: true }))
    await timers.advance(100)
    return { number: await asked, heard: caller.heard }
  }
  const ok = await entered('0612345678')
  t.equal(ok.number, '+33612345678', 'national format, normalised')
  t.same(ok.heard, ['collect:enter-callback-number.wav'])
  const abroad = await entered('00442079460000')
  t.equal(abroad.number, undefined, "outside gridco's allow-list")
  t.same(abroad.heard.at(-1), 'play:invalid.wav')
  t.equal((await entered('')).number, undefined, 'nothing entered')
})

t.test('waiting room: a caller hanging up while asking for a callback ends the offer quietly', async (t) => {
  const timers = new ManualTimers()
  const caller = fakeMedia(timers, ['1'])
  const warnings: string[] = []
  const ctx = { ...callerContext(config, 'voltsupply', 'billing', caller.media, timers), log: { ...silentLogger, warn: (_o: unknown, msg: string) => void warnings.push(msg), info: () => undefined } as unknown as typeof silentLogger }
  let asked = 0
  const room = new WaitingRoom(ctx, 0, {
    offer: offer({ offerAfterSeconds: 0 }),
    accept: async () => {
      asked++
      ctx.call.phase = 'ended'
      throw new Error('the caller has gone')
    },
  })
  room.start()
  await timers.advance(2000)
  room.stop()
  t.equal(asked, 1, 'the caller did press the key')
  t.same(warnings, [], 'nothing to warn about: the caller left')
  t.equal(timers.pending, 0)
})
