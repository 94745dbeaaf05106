// Audio checks on decoded telephone audio: G.711 (RFC 3551 PCMU / PCMA) and a Goertzel tone
// detector. They tell a tone from silence, from noise (e.g. SRTP played as plain RTP) and from
// other tones, so a test or a probe can say that one party actually hears the other.

/** Decodes one G.711 mu-law byte to a 16-bit linear sample. */
export function ulawDecode(byte: number): number {
  const u = ~byte & 0xff
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)
  return u & 0x80 ? 0x84 - t : t - 0x84
}

/** Encodes a 16-bit linear sample to G.711 mu-law. */
export function ulawEncode(sample: number): number {
  const BIAS = 0x84
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)))
  const sign = s < 0 ? 0x80 : 0
  if (s < 0) s = -s
  s += BIAS
  let exponent = 7
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = (s >> (exponent + 3)) & 0x0f
  return ~(sign | (exponent << 4) | mantissa) & 0xff
}

/** Decodes one G.711 A-law byte to a 16-bit linear sample. */
export function alawDecode(byte: number): number {
  const a = byte ^ 0x55
  let t = (a & 0x0f) << 4
  const seg = (a & 0x70) >> 4
  if (seg === 0) t += 8
  else if (seg === 1) t += 0x108
  else t = (t + 0x108) << (seg - 1)
  return a & 0x80 ? t : -t
}

/** Encodes a 16-bit linear sample to G.711 A-law. */
export function alawEncode(sample: number): number {
  let s = Math.max(-32767, Math.min(32767, Math.round(sample)))
  const sign = s >= 0 ? 0x80 : 0
  if (s < 0) s = -s - 1
  let seg = 0
  for (let limit = 0xff; s > limit && seg < 7; limit = (limit << 1) | 1) seg++
  const mantissa = seg < 2 ? (s >> 4) & 0x0f : (s >> (seg + 3)) & 0x0f
  return ((sign | (seg << 4) | mantissa) ^ 0x55) & 0xff
}

/** A sine of `hz` at `amplitude` (linear, 16-bit scale), `count` samples from sample index `from`. */
export function sine(hz: number, sampleRate: number, from: number, count: number, amplitude = 8000): Float64Array {
  const out = new Float64Array(count)
  for (let i = 0; i < count; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * (from + i)) / sampleRate)
  return out
}

/**
 * Share of a frame's energy at `hz` (Goertzel), 0..1: about 1 for a pure tone at that frequency,
 * near 0 for silence, noise or another tone.
 */
export function toneShare(frame: ArrayLike<number>, hz: number, sampleRate: number): number {
  const n = frame.length
  if (n === 0) return 0
  const k = Math.round((n * hz) / sampleRate)
  const coeff = 2 * Math.cos((2 * Math.PI * k) / n)
  let s1 = 0
  let s2 = 0
  let energy = 0
  for (let i = 0; i < n; i++) {
    const x = frame[i]!
    energy += x * x
    const s0 = x + coeff * s1 - s2
    s2 = s1
    s1 = s0
  }
  if (energy === 0) return 0
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2
  // Parseval: a bin holds 2|X|^2/N of the energy for a real signal (the bin and its mirror)
  return Math.min(1, (2 * power) / (n * energy))
}

export interface ToneReport {
  /** frames analysed (`frameMs` each) */
  frames: number
  /** frames loud enough to count (RMS above `minRms`) */
  loud: number
  /** loud frames where the tone holds at least `minShare` of the energy */
  toneFrames: number
  /** toneFrames / frames */
  presence: number
  /** RMS level of the whole signal, dBFS */
  levelDbfs: number
}

export interface ToneOptions {
  sampleRate?: number
  frameMs?: number
  /** minimal share of a frame's energy at the frequency (default 0.6) */
  minShare?: number
  /** a quieter frame is silence (linear RMS, default 100 = -50 dBFS) */
  minRms?: number
}

/** Frame-by-frame presence of a tone of `hz` in linear samples. */
export function analyseTone(samples: ArrayLike<number>, hz: number, opts: ToneOptions = {}): ToneReport {
  const rate = opts.sampleRate ?? 8000
  const size = Math.round((rate * (opts.frameMs ?? 100)) / 1000)
  const minShare = opts.minShare ?? 0.6
  const minRms = opts.minRms ?? 100
  let frames = 0
  let loud = 0
  let toneFrames = 0
  let sumSq = 0
  for (let i = 0; i < samples.length; i++) sumSq += samples[i]! * samples[i]!
  for (let start = 0; start + size <= samples.length; start += size) {
    frames++
    const frame = Array.prototype.slice.call(samples, start, start + size) as number[]
    let e = 0
    for (const x of frame) e += x * x
    if (Math.sqrt(e / size) < minRms) continue
    loud++
    if (toneShare(frame, hz, rate) >= minShare) toneFrames++
  }
  const rms = samples.length ? Math.sqrt(sumSq / samples.length) : 0
  return { frames, loud, toneFrames, presence: frames ? toneFrames / frames : 0, levelDbfs: rms > 0 ? 20 * Math.log10(rms / 32768) : -Infinity }
}

/** One line for logs and test messages. */
export function describeTone(hz: number, r: ToneReport): string {
  const level = Number.isFinite(r.levelDbfs) ? `${r.levelDbfs.toFixed(1)} dBFS` : 'silence'
  return `${hz} Hz in ${r.toneFrames}/${r.frames} frames (${(r.presence * 100).toFixed(0)} %), ${r.loud} loud, level ${level}`
}
