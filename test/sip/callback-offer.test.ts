import t from 'tap'
import type { CallbackOffer } from '../../src/config/model'
import { loadConfigFile } from '../../src/config/load'
import type { CallerMedia } from '../../src/media/gateway'
import { holdMusicFor, ringbackTone } from '../../src/media/prompts'
import { callableNumber } from '../../src/routing/number-policy'
import { askCallbackNumber, WaitingRoom, type CallerContext } from '../../src/sip/caller-services'
import { outcomeOf } from '../../src/sip/outbound-call'
import { silentLogger } from '../../src/telemetry/logger'
import type { AcdEngine } from '../../src/acd/engine'

const config = loadConfigFile('config/platform.yaml')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('number policy: the same for transfers, callbacks and campaigns', async (t) => {
  t.match(callableNumber(config, 'gridco', '+33 6 12 34 56 78'), { ok: true, number: '+33612345678' })
  t.match(callableNumber(config, 'gridco', '0612345678'), { ok: true, number: '+33612345678' }, 'national format with the platform region')
  t.match(callableNumber(config, 'gridco', '+442079460000'), { ok: false, reason: /not a number tenant gridco may call/ })
  t.match(callableNumber(config, 'gridco', 'anonymous'), { ok: false, reason: /not a valid phone number/ })
  t.match(callableNumber(config, 'gridco', undefined), { ok: false })
  t.match(callableNumber(config, 'nobody', '+33612345678'), { ok: false, reason: /unknown tenant/ })
})

t.test('outbound final responses map to retry outcomes', async (t) => {
  t.equal(outcomeOf(486, false), 'busy')
  t.equal(outcomeOf(603, false), 'busy')
  t.equal(outcomeOf(480, false), 'no-answer')
  t.equal(outcomeOf(487, true), 'no-answer', 'cancelled after the ring time')
  t.equal(outcomeOf(503, false), 'failed')
  t.equal(outcomeOf(undefined, false), 'failed')
})

t.test('a queue may ring back instead of music; the cadence follows the region', async (t) => {
  const tenant = config.tenants.get('gridco')!
  t.equal(holdMusicFor(tenant, 'ringback', 'FR'), 'tone_stream://L=-1;%(1500,3500,440)')
  t.equal(holdMusicFor(tenant, 'ringback', 'US'), ringbackTone('US'))
  t.match(ringbackTone('ZZ'), /425/, 'elsewhere the ITU-T cadence')
  t.equal(holdMusicFor(tenant, 'local_stream://moh'), 'local_stream://moh', 'a local stream as is')
  t.equal(holdMusicFor(tenant, '/srv/music/queue.wav'), '/srv/music/queue.wav', 'a file as is')
})

/** A waiting caller whose media records what is played and answers offers with `key`. */
function fakeCaller(key: string) {
  const played: string[] = []
  let busy = 0
  let overlap = false
  const media = {
    hold: (music?: string) => played.push(`hold:${music ?? 'default'}`),
    play: async (file: string | string[]) => {
      if (busy++) overlap = true
      played.push(`play:${[file].flat().length}`)
      await sleep(30)
      busy--
    },
    collect: async (file: string) => {
      if (busy++) overlap = true
      played.push(`offer:${file.split('/').pop()}`)
      await sleep(30)
      busy--
      return key
    },
  } as unknown as CallerMedia
  return { media, played, overlapped: () => overlap }
}

function context(media: CallerMedia, state: { waiting: boolean; ended: boolean }): CallerContext {
  const engine = { platform: config, position: async () => ({ state: 'waiting', position: 2, estimatedWaitSeconds: 90 }) } as unknown as AcdEngine
  return {
    engine,
    tenant: config.tenants.get('voltsupply')!,
    callId: 'c1',
    caller: media,
    log: silentLogger,
    queue: () => 'billing',
    waiting: () => state.waiting,
    ended: () => state.ended,
    resumeHold: () => media.hold('music'),
  }
}

const offer = (o: Partial<CallbackOffer>): CallbackOffer => ({
  offerAfterSeconds: 0.05,
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

t.test('waiting room: the callback key is taken once, and the room closes', async (t) => {
  const caller = fakeCaller('1')
  const state = { waiting: true, ended: false }
  let accepted = 0
  const room = new WaitingRoom(context(caller.media, state), 0.04, { offer: offer({ repeatSeconds: 0.05 }), accept: async () => (++accepted, true) })
  room.start()
  await sleep(400)
  room.stop()
  t.equal(accepted, 1)
  t.equal(caller.played.filter((p) => p.startsWith('offer:')).length, 1, 'not offered again once taken')
  t.ok(caller.played.includes('offer:callback-offer.wav'), 'the offer prompt of the tenant set')
  t.notOk(caller.overlapped(), 'one prompt at a time')
})

t.test('waiting room: another key or none resumes the music; the offer repeats; nothing plays while agents ring', async (t) => {
  const caller = fakeCaller('5')
  const state = { waiting: true, ended: false }
  let asked = 0
  const room = new WaitingRoom(context(caller.media, state), 0.05, { offer: offer({ repeatSeconds: 0.1 }), accept: async () => (++asked, true) })
  room.start()
  await sleep(500)
  t.equal(asked, 0, 'a wrong key is not an acceptance')
  const offers = caller.played.filter((p) => p.startsWith('offer:')).length
  t.ok(offers >= 2, `offered ${offers} times (every 0.1 s)`)
  t.ok(caller.played.some((p) => p.startsWith('play:')), 'position announcements in between')
  t.ok(caller.played.filter((p) => p === 'hold:music').length >= offers, 'hold music back after each')
  t.notOk(caller.overlapped(), 'never two at once')
  state.waiting = false
  await sleep(100)
  const before = caller.played.length
  await sleep(300)
  t.equal(caller.played.length, before, 'silent while agents ring')
  state.ended = true
  room.stop()
})

t.test('waiting room: without a callback offer only announcements play', async (t) => {
  const caller = fakeCaller('1')
  const state = { waiting: true, ended: false }
  const room = new WaitingRoom(context(caller.media, state), 0.05, undefined)
  room.start()
  await sleep(300)
  room.stop()
  t.notOk(caller.played.some((p) => p.startsWith('offer:')))
  t.ok(caller.played.filter((p) => p.startsWith('play:')).length >= 2)
})

t.test('a caller whose number cannot be called back enters one; the number policy decides', async (t) => {
  const entered = async (digits: string) => {
    const played: string[] = []
    const media = {
      collect: async (file: string, opts: { terminators: string; maxDigits: number }) => {
        played.push(`ask:${file.split('/').pop()}:${opts.terminators}:${opts.maxDigits}`)
        return digits
      },
      play: async (file: string) => void played.push(`play:${String(file).split('/').pop()}`),
      hold: () => undefined,
    } as unknown as CallerMedia
    const ctx = { ...context(media, { waiting: true, ended: false }), tenant: config.tenants.get('gridco')! }
    return { number: await askCallbackNumber(ctx, offer({ askNumber: true })), played }
  }
  const ok = await entered('0612345678')
  t.equal(ok.number, '+33612345678', 'national format, normalised')
  t.same(ok.played, ['ask:enter-callback-number.wav:#:16'])
  const abroad = await entered('00442079460000')
  t.equal(abroad.number, undefined, "outside gridco's allow-list")
  t.same(abroad.played.at(-1), 'play:invalid.wav')
  t.equal((await entered('')).number, undefined, 'nothing entered')
})

t.test('waiting room: a caller hanging up while asking for a callback ends the offer quietly', async (t) => {
  const caller = fakeCaller('1')
  const state = { waiting: true, ended: false }
  const warnings: string[] = []
  const ctx = { ...context(caller.media, state), log: { ...silentLogger, warn: (_o: unknown, msg: string) => void warnings.push(msg), info: () => undefined } as unknown as typeof silentLogger }
  const room = new WaitingRoom(ctx, 0, {
    offer: offer({}),
    accept: async () => {
      state.ended = true
      throw new Error('the caller has gone')
    },
  })
  room.start()
  await sleep(200)
  room.stop()
  t.same(warnings, [], 'nothing to warn about: the caller left')
})
