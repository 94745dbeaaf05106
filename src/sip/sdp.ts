/** An SDP answer that accepts the offer's first audio codec with the stream inactive (no media). */
export function inactiveAnswer(offer: string): string {
  const m = /^m=audio \d+ (\S+) ([\d ]+)/m.exec(offer)
  const proto = m?.[1] ?? 'RTP/AVP'
  const pt = m?.[2]?.trim().split(/\s+/)[0] ?? '0'
  const id = Date.now()
  return ['v=0', `o=acd ${id} ${id} IN IP4 127.0.0.1`, 's=acd', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio 9 ${proto} ${pt}`, 'a=inactive', ''].join('\r\n')
}

/** User part of a SIP URI ("sip:+3397...@host;params" -> "+3397..."). */
export function uriUser(uri: string | undefined): string | undefined {
  if (!uri) return undefined
  const m = /^(?:sips?|tel):([^@;>]+)@?/i.exec(uri.replace(/^.*<|>.*$/g, ''))
  return m ? decodeURIComponent(m[1]!) : undefined
}

/** Host part of a SIP URI. */
export function uriHost(uri: string | undefined): string | undefined {
  if (!uri) return undefined
  const m = /^sips?:(?:[^@]*@)?([^;:>]+)/i.exec(uri.replace(/^.*<|>.*$/g, ''))
  return m ? m[1]!.toLowerCase() : undefined
}
