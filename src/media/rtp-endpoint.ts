// A small RTP endpoint (RFC 3550) for audio checks: sends a steady G.711 tone, records what it
// receives (decoded) and the RFC 4733 telephone events, and sends DTMF digits as RFC 4733 events.
// Symmetric RTP: until told where to send, it answers the source of the first audio it receives.
import { createSocket, type Socket } from 'node:dgram'
import { randomInt } from 'node:crypto'
import { alawDecode, alawEncode, analyseTone, sine, toneShare, ulawDecode, ulawEncode, type ToneOptions, type ToneReport } from './tone'

const SAMPLES_PER_PACKET = 160 // 20 ms at 8 kHz
const DTMF_EVENTS = '0123456789*#ABCD'

export interface RtpEndpointOptions {
  host: string
  port: number
  /** tone sent while no digit is being sent (Hz); 0 sends silence */
  toneHz: number
  /** payload type of the audio: 0 PCMU (default) or 8 PCMA */
  payloadType?: 0 | 8
  /** payload type of telephone-event (default 101) */
  eventPayloadType?: number
  /** where to send; default: the source of the first audio received */
  remote?: { host: string; port: number }
}

interface Received {
  at: number
  samples: Float64Array
}

export class RtpEndpoint {
  private readonly socket: Socket
  private readonly pt: 0 | 8
  private readonly eventPt: number
  private remote?: { host: string; port: number }
  private timer?: NodeJS.Timeout
  private seq = randomInt(0, 0xffff)
  private ts = randomInt(0, 0x7fffffff)
  private readonly ssrc = randomInt(1, 0x7fffffff)
  private sampleIndex = 0
  private sendingDigit = false
  private readonly audio: Received[] = []
  /** packets received, by payload type */
  readonly received = new Map<number, number>()
  /** digits received as RFC 4733 events (one per event, in order) */
  readonly digits: string[] = []
  private lastEventTs = -1

  private constructor(private readonly opts: RtpEndpointOptions) {
    this.pt = opts.payloadType ?? 0
    this.eventPt = opts.eventPayloadType ?? 101
    this.remote = opts.remote
    this.socket = createSocket('udp4')
    this.socket.on('message', (msg, rinfo) => this.onPacket(msg, rinfo.address, rinfo.port))
  }

  static async open(opts: RtpEndpointOptions): Promise<RtpEndpoint> {
    const ep = new RtpEndpoint(opts)
    await new Promise<void>((resolve, reject) => {
      ep.socket.once('error', reject)
      ep.socket.bind(opts.port, opts.host, () => {
        ep.socket.off('error', reject)
        resolve()
      })
    })
    ep.timer = setInterval(() => ep.tick(), 20)
    return ep
  }

  /** The bound port (the one the system chose when opened on port 0). */
  get port(): number {
    return this.socket.address().port
  }

  /** Where packets go now (undefined until known). */
  get sendingTo(): { host: string; port: number } | undefined {
    return this.remote
  }

  /** Sends to this address from now on (e.g. after a re-INVITE moved the far end). */
  sendTo(host: string, port: number): void {
    this.remote = { host, port }
  }

  /** Packets of audio received so far. */
  audioPackets(): number {
    return this.received.get(this.pt === 0 ? 0 : 8) ?? 0
  }

  /** Decoded audio received since `since` (epoch ms), concatenated. */
  samplesSince(since = 0): Float64Array {
    const parts = this.audio.filter((r) => r.at >= since)
    const out = new Float64Array(parts.reduce((n, p) => n + p.samples.length, 0))
    let o = 0
    for (const p of parts) {
      out.set(p.samples, o)
      o += p.samples.length
    }
    return out
  }

  /** How much of the audio received since `since` is the tone `hz`. */
  heard(hz: number, since = 0, opts?: ToneOptions): ToneReport {
    return analyseTone(this.samplesSince(since), hz, opts)
  }

  /** When the tone `hz` was first received after `since` (a 20 ms packet holding it), or undefined. */
  toneOnset(hz: number, since = 0, opts: { minShare?: number; minRms?: number } = {}): number | undefined {
    for (const r of this.audio) {
      if (r.at < since) continue
      let e = 0
      for (const x of r.samples) e += x * x
      if (Math.sqrt(e / r.samples.length) >= (opts.minRms ?? 100) && toneShare(r.samples, hz, 8000) >= (opts.minShare ?? 0.6)) return r.at
    }
    return undefined
  }

  /** Sends one digit as an RFC 4733 event (`ms` long), pausing the tone meanwhile. */
  async sendDigit(digit: string, ms = 160): Promise<void> {
    const event = DTMF_EVENTS.indexOf(digit.toUpperCase())
    if (event < 0) throw new Error(`not a DTMF digit: ${digit}`)
    this.sendingDigit = true
    const start = this.ts
    const steps = Math.max(1, Math.round(ms / 20))
    try {
      for (let i = 1; i <= steps; i++) {
        this.sendEvent(event, start, i * SAMPLES_PER_PACKET, false, i === 1)
        await new Promise((r) => setTimeout(r, 20))
      }
      // the end of the event is sent three times (RFC 4733 2.5.1.4)
      for (let i = 0; i < 3; i++) this.sendEvent(event, start, steps * SAMPLES_PER_PACKET, true, false)
    } finally {
      this.ts = start + steps * SAMPLES_PER_PACKET
      this.sendingDigit = false
    }
  }

  close(): void {
    clearInterval(this.timer)
    try {
      this.socket.close()
    } catch {
      // closed already
    }
  }

  private tick(): void {
    if (this.sendingDigit || !this.remote) return
    const samples = this.opts.toneHz > 0 ? sine(this.opts.toneHz, 8000, this.sampleIndex, SAMPLES_PER_PACKET) : new Float64Array(SAMPLES_PER_PACKET)
    this.sampleIndex += SAMPLES_PER_PACKET
    const payload = Buffer.alloc(SAMPLES_PER_PACKET)
    const encode = this.pt === 0 ? ulawEncode : alawEncode
    for (let i = 0; i < SAMPLES_PER_PACKET; i++) payload[i] = encode(samples[i]!)
    this.send(this.pt, payload, this.ts, false)
    this.ts = (this.ts + SAMPLES_PER_PACKET) >>> 0
  }

  private sendEvent(event: number, ts: number, duration: number, end: boolean, marker: boolean): void {
    if (!this.remote) return
    const payload = Buffer.alloc(4)
    payload[0] = event
    payload[1] = (end ? 0x80 : 0) | 10 // volume -10 dBm0
    payload.writeUInt16BE(duration, 2)
    this.send(this.eventPt, payload, ts, marker)
  }

  private send(pt: number, payload: Buffer, ts: number, marker: boolean): void {
    const header = Buffer.alloc(12)
    header[0] = 0x80
    header[1] = (marker ? 0x80 : 0) | pt
    header.writeUInt16BE(this.seq, 2)
    this.seq = (this.seq + 1) & 0xffff
    header.writeUInt32BE(ts >>> 0, 4)
    header.writeUInt32BE(this.ssrc, 8)
    this.socket.send(Buffer.concat([header, payload]), this.remote!.port, this.remote!.host)
  }

  private onPacket(msg: Buffer, host: string, port: number): void {
    if (msg.length < 12 || msg[0]! >> 6 !== 2) return
    const pt = msg[1]! & 0x7f
    if (pt >= 72 && pt <= 76) return // RTCP on the RTP port
    this.received.set(pt, (this.received.get(pt) ?? 0) + 1)
    let offset = 12 + (msg[0]! & 0x0f) * 4
    if (msg[0]! & 0x10) offset += 4 + msg.readUInt16BE(offset + 2) * 4
    let end = msg.length
    if (msg[0]! & 0x20) end -= msg[msg.length - 1]!
    const payload = msg.subarray(offset, end)
    if (pt === 0 || pt === 8) {
      if (!this.remote) this.remote = { host, port }
      const decode = pt === 0 ? ulawDecode : alawDecode
      const samples = new Float64Array(payload.length)
      for (let i = 0; i < payload.length; i++) samples[i] = decode(payload[i]!)
      this.audio.push({ at: Date.now(), samples })
    } else if (pt === this.eventPt && payload.length >= 4) {
      const ts = msg.readUInt32BE(4)
      if (ts !== this.lastEventTs) {
        this.lastEventTs = ts
        this.digits.push(DTMF_EVENTS[payload[0]!] ?? '?')
      }
    }
  }
}
