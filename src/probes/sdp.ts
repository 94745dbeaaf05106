// The probe's own SDP: one plain RTP audio line, PCMU and telephone-event (RFC 4733) for the IVR keys.

export function probeSdp(host: string, port: number): string {
  const id = Date.now()
  return [
    'v=0',
    `o=acd-probe ${id} ${id} IN IP4 ${host}`,
    's=acd-probe',
    `c=IN IP4 ${host}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n')
}

/** Where the far end takes audio: the session (or media) address and the first audio port. */
export function remoteAudio(sdp: string | undefined): { host: string; port: number } | undefined {
  let host: string | undefined
  let port: number | undefined
  for (const line of (sdp ?? '').split(/\r?\n/)) {
    const c = /^c=IN IP4 (\S+)/.exec(line)
    if (c && (port === undefined || host === undefined)) host = c[1]
    const m = /^m=audio (\d+)/.exec(line)
    if (m && port === undefined) port = Number(m[1])
  }
  return host && port ? { host, port } : undefined
}
