// The setup time's end point, on a hand-made case: the probe caller's RTP endpoint receives 300 ms
// of silence, 200 ms of another tone, then the probe agent's tone; the onset is the arrival of the
// agent tone's first packet, and the tone is confirmed over what follows.
import { createSocket } from 'node:dgram'
import t from 'tap'
import { AGENT_TONE_HZ } from '../../src/probes/agent-phone'
import { RtpEndpoint } from '../../src/media/rtp-endpoint'
import { sine, ulawEncode } from '../../src/media/tone'

t.test("the agent tone's onset is the arrival of its first packet", async (t) => {
  const ep = await RtpEndpoint.open({ host: '127.0.0.1', port: 0, toneHz: 0 })
  const tx = createSocket('udp4')
  t.teardown(() => {
    ep.close()
    tx.close()
  })
  const packet = (seq: number, hz: number) => {
    const h = Buffer.alloc(12)
    h[0] = 0x80
    h[1] = 0
    h.writeUInt16BE(seq, 2)
    h.writeUInt32BE(seq * 160, 4)
    h.writeUInt32BE(42, 8)
    const s = hz ? sine(hz, 8000, seq * 160, 160) : new Float64Array(160)
    return Buffer.concat([h, Buffer.from(Array.from(s, (x) => ulawEncode(x)))])
  }
  const start = Date.now()
  let toneSentAt = 0
  for (let seq = 0; seq < 50; seq++) {
    const hz = seq < 15 ? 0 : seq < 25 ? 440 : AGENT_TONE_HZ
    if (seq === 25) toneSentAt = Date.now()
    await new Promise<void>((r) => tx.send(packet(seq, hz), ep.port, '127.0.0.1', () => r()))
    await new Promise((r) => setTimeout(r, 20))
  }
  await new Promise((r) => setTimeout(r, 50))
  const onset = ep.toneOnset(AGENT_TONE_HZ, start)
  t.ok(onset !== undefined, 'the agent tone is found')
  t.ok(Math.abs(onset! - toneSentAt) <= 15, `onset ${onset! - start} ms after the start, the tone's first packet sent at ${toneSentAt - start} ms`)
  t.equal(ep.toneOnset(440, start)! <= onset! - 150, true, 'the other tone began 200 ms earlier')
  t.ok(ep.heard(AGENT_TONE_HZ, onset).presence >= 0.9, 'confirmed over the following 500 ms')
  t.equal(ep.toneOnset(AGENT_TONE_HZ, start, { minShare: 1.01 }), undefined, 'nothing passes an impossible share')
})
