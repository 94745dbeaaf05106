// What an SDP body (RFC 4566) says about audio, and whether the platform can take it (RFC 3264):
// plain RTP (SRTP is not enabled on the platform), a codec in common (PCMU, PCMA, opus),
// telephone-event for DTMF. An empty body is a late offer: the platform makes the offer itself.

export interface AudioLine {
  port: number
  proto: string
  /** payload types, in the order of the m-line */
  payloads: number[]
  /** payload type -> encoding name (upper case), from a=rtpmap or the static table */
  encodings: Map<number, string>
  /** the line carries a=crypto (SDES) */
  crypto: boolean
}

const STATIC: Record<number, string> = { 0: 'PCMU', 8: 'PCMA', 9: 'G722', 18: 'G729' }
/** The audio codecs the platform's media servers take (FreeSWITCH names). */
const PLATFORM_CODECS = ['PCMU', 'PCMA', 'OPUS']

/** The audio m-lines of an SDP body, with their attributes. */
export function audioLines(sdp: string | undefined): AudioLine[] {
  const out: AudioLine[] = []
  let current: AudioLine | undefined
  for (const raw of (sdp ?? '').split(/\r?\n/)) {
    const line = raw.trim()
    if (line.startsWith('m=')) {
      current = undefined
      const m = /^m=audio\s+(\d+)(?:\/\d+)?\s+(\S+)\s*(.*)$/.exec(line)
      if (!m) continue
      const payloads = m[3]!.split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger)
      current = { port: Number(m[1]), proto: m[2]!.toUpperCase(), payloads, encodings: new Map(), crypto: false }
      for (const pt of payloads) if (STATIC[pt]) current.encodings.set(pt, STATIC[pt]!)
      out.push(current)
    } else if (current && line.startsWith('a=rtpmap:')) {
      const m = /^a=rtpmap:(\d+)\s+([^/\s]+)/.exec(line)
      if (m) current.encodings.set(Number(m[1]), m[2]!.toUpperCase())
    } else if (current && line.startsWith('a=crypto:')) {
      current.crypto = true
    }
  }
  return out
}

/** True for a profile carrying plain RTP (RTP/AVP, RTP/AVPF). */
function plain(line: AudioLine): boolean {
  return line.proto === 'RTP/AVP' || line.proto === 'RTP/AVPF'
}

function codecs(line: AudioLine): string[] {
  return line.payloads.map((pt) => line.encodings.get(pt) ?? '').filter((name) => PLATFORM_CODECS.includes(name))
}

/**
 * Why an offer from a caller or a phone cannot be taken, or undefined when it can (or when there is
 * no offer at all: a late offer). The reason is meant for a Warning header of the 488.
 */
export function offerProblem(sdp: string | undefined): string | undefined {
  if (!sdp || !sdp.trim()) return undefined
  const lines = audioLines(sdp).filter((l) => l.port !== 0)
  if (lines.length === 0) return 'no audio stream offered'
  const rtp = lines.filter(plain)
  if (rtp.length === 0) {
    const protos = [...new Set(lines.map((l) => l.proto))].join(', ')
    return `SRTP is not enabled on this platform: offer plain RTP (RTP/AVP), not only ${protos}`
  }
  if (!rtp.some((l) => codecs(l).length > 0)) return `no audio codec in common: offer one of ${PLATFORM_CODECS.join(', ')}`
  return undefined
}

/**
 * Why an answer to the platform's offer (plain RTP, one audio line) cannot be used, or undefined:
 * the audio line must be accepted (port not 0), stay plain RTP and name one of the offered codecs.
 */
export function answerProblem(sdp: string | undefined): string | undefined {
  if (!sdp || !sdp.trim()) return 'the answer carries no SDP'
  const lines = audioLines(sdp)
  if (lines.length === 0) return 'the answer has no audio line'
  const accepted = lines.find((l) => l.port !== 0)
  if (!accepted) return 'the audio stream was refused (port 0)'
  if (!plain(accepted)) return `the audio stream was answered as ${accepted.proto}, offered as RTP/AVP`
  if (codecs(accepted).length === 0) return `no codec in common in the answer (${accepted.payloads.join(' ')})`
  return undefined
}

/** The codec the far end put first on its audio line (for logs and tests). */
export function firstCodec(sdp: string | undefined): string | undefined {
  const line = audioLines(sdp).find((l) => l.port !== 0)
  return line ? (codecs(line)[0] ?? line.encodings.get(line.payloads[0]!)) : undefined
}

/** True when the audio line offers telephone-event (RFC 4733) for DTMF. */
export function hasTelephoneEvent(sdp: string | undefined): boolean {
  return audioLines(sdp).some((l) => l.port !== 0 && [...l.encodings.values()].includes('TELEPHONE-EVENT'))
}
