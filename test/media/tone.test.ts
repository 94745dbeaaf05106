import { randomBytes } from 'node:crypto'
import t from 'tap'
import { alawDecode, alawEncode, analyseTone, sine, toneShare, ulawDecode, ulawEncode } from '../../src/media/tone'
import { RtpEndpoint } from '../../src/media/rtp-endpoint'
import { freeUdpPort } from '../../src/stack/ports'

t.test('G.711: mu-law and A-law round trips stay within one quantisation step', async (t) => {
  for (const x of [0, 1, -1, 100, -100, 1000, -1000, 8000, -8000, 32000, -32000]) {
    const u = ulawDecode(ulawEncode(x))
    const a = alawDecode(alawEncode(x))
    t.ok(Math.abs(u - x) <= Math.max(8, Math.abs(x) * 0.07), `mu-law ${x} -> ${u}`)
    t.ok(Math.abs(a - x) <= Math.max(16, Math.abs(x) * 0.07), `A-law ${x} -> ${a}`)
  }
  // the reference values of G.711: 0xFF is mu-law zero, 0xD5 / 0x55 are A-law's smallest levels
  t.equal(ulawDecode(0xff), 0)
  t.equal(ulawDecode(0x00), -32124)
  t.equal(alawDecode(0xd5), 8)
  t.equal(alawDecode(0x55), -8)
})

t.test('Goertzel: a tone is found, silence, noise and another tone are not', async (t) => {
  const through = (s: Float64Array) => s.map((x) => ulawDecode(ulawEncode(x)))
  const tone = through(sine(1000, 8000, 0, 8000))
  t.ok(toneShare(tone.subarray(0, 800), 1000, 8000) > 0.9, 'a 1 kHz tone through mu-law holds >90 % of its energy at 1 kHz')
  const r = analyseTone(tone, 1000)
  t.equal(r.frames, 10)
  t.equal(r.toneFrames, 10)
  // amplitude 8000 of 32768: -12.2 dBFS peak, RMS 8000/sqrt(2) = -15.26 dBFS
  t.ok(Math.abs(r.levelDbfs + 15.26) < 0.3, `level ${r.levelDbfs.toFixed(2)} dBFS`)
  t.equal(analyseTone(through(sine(1500, 8000, 0, 8000)), 1000).toneFrames, 0, 'a 1500 Hz tone is not 1 kHz')
  t.equal(analyseTone(new Float64Array(8000), 1000).loud, 0, 'silence is not loud')
  const noise = Float64Array.from(randomBytes(8000), (b) => ulawDecode(b))
  const n = analyseTone(noise, 1000)
  t.ok(n.loud > 8, 'random G.711 bytes (SRTP played as RTP) are loud')
  t.equal(n.toneFrames, 0, 'but carry no tone')
  const mixed = sine(1000, 8000, 0, 800).map((x, i) => x + 8000 * Math.sin((2 * Math.PI * 400 * i) / 8000))
  t.ok(toneShare(mixed, 1000, 8000) < 0.6, 'a tone mixed with another of the same level is not a clean tone')
})

t.test('RTP endpoints on loopback hear each other and pass RFC 4733 digits', async (t) => {
  const pa = await freeUdpPort('127.0.0.1')
  let pb = await freeUdpPort('127.0.0.1')
  while (pb === pa) pb = await freeUdpPort('127.0.0.1')
  const a = await RtpEndpoint.open({ host: '127.0.0.1', port: pa, toneHz: 1000, remote: { host: '127.0.0.1', port: pb } })
  const b = await RtpEndpoint.open({ host: '127.0.0.1', port: pb, toneHz: 1500, payloadType: 0 })
  t.teardown(() => (a.close(), b.close()))
  await new Promise((r) => setTimeout(r, 1000))
  t.ok(b.sendingTo, 'b learnt where to send from the first packet (symmetric RTP)')
  const ab = b.heard(1000)
  const ba = a.heard(1500)
  t.ok(ab.presence > 0.7, `b hears a: ${JSON.stringify(ab)}`)
  t.ok(ba.presence > 0.6, `a hears b: ${JSON.stringify(ba)}`)
  t.equal(a.heard(1000).toneFrames, 0, 'a does not hear its own tone')
  await a.sendDigit('5')
  await a.sendDigit('#')
  await new Promise((r) => setTimeout(r, 100))
  t.same(b.digits, ['5', '#'])
})
