import t from 'tap'
import { answerProblem, audioLines, firstCodec, hasTelephoneEvent, offerProblem } from '../../src/media/sdp-media'

const sdp = (...media: string[]) => ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', ...media, ''].join('\r\n')
const PLAIN = ['m=audio 4000 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=sendrecv']
const SAVP = ['m=audio 4002 RTP/SAVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz']

t.test('audio lines: profile, payloads, names from rtpmap and the static table, crypto', async (t) => {
  const lines = audioLines(sdp(...SAVP, ...PLAIN))
  t.equal(lines.length, 2)
  t.match(lines[0], { port: 4002, proto: 'RTP/SAVP', payloads: [0, 101], crypto: true })
  t.match(lines[1], { port: 4000, proto: 'RTP/AVP', payloads: [0, 8, 101], crypto: false })
  t.equal(lines[1]!.encodings.get(8), 'PCMA')
  t.equal(lines[1]!.encodings.get(101), 'TELEPHONE-EVENT')
  t.ok(hasTelephoneEvent(sdp(...PLAIN)))
  t.notOk(hasTelephoneEvent(sdp('m=audio 4000 RTP/AVP 0')))
  t.equal(firstCodec(sdp('m=audio 4000 RTP/AVP 111 0', 'a=rtpmap:111 opus/48000/2')), 'OPUS')
})

t.test('offers: plain RTP taken, SRTP-only refused with a pointed reason, a late offer is fine', async (t) => {
  t.equal(offerProblem(sdp(...PLAIN)), undefined)
  t.equal(offerProblem(sdp(...SAVP, ...PLAIN)), undefined, 'SRTP offered beside plain RTP: the plain line is taken')
  t.match(offerProblem(sdp(...SAVP)), /SRTP is not enabled on this platform: offer plain RTP \(RTP\/AVP\), not only RTP\/SAVP/)
  t.match(offerProblem(sdp('m=audio 4000 UDP/TLS/RTP/SAVPF 111', 'a=rtpmap:111 opus/48000/2')), /not only UDP\/TLS\/RTP\/SAVPF/)
  t.match(offerProblem(sdp('m=audio 4000 RTP/AVP 18')), /no audio codec in common: offer one of PCMU, PCMA, OPUS/)
  t.match(offerProblem(sdp('m=video 4000 RTP/AVP 96')), /no audio stream/)
  t.equal(offerProblem(''), undefined, 'no SDP: a late offer')
  t.equal(offerProblem(undefined), undefined)
})

t.test("answers to the platform's offer: one plain audio line with a codec offered", async (t) => {
  t.equal(answerProblem(sdp('m=audio 4000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000')), undefined)
  t.equal(answerProblem(sdp('m=audio 0 RTP/SAVP 0', 'm=audio 4000 RTP/AVP 0')), undefined, 'a refused SRTP line beside an accepted plain one is fine')
  t.match(answerProblem(sdp(...SAVP)), /answered as RTP\/SAVP, offered as RTP\/AVP/)
  t.match(answerProblem(sdp('m=audio 0 RTP/AVP 0')), /refused \(port 0\)/)
  t.match(answerProblem(sdp('m=audio 4000 RTP/AVP 18')), /no codec in common/)
  t.match(answerProblem(''), /no SDP/)
})
