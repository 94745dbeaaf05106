import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const md5 = (s: string) => createHash('md5').update(s).digest('hex')

export function ha1(username: string, realm: string, password: string): string {
  return md5(`${username}:${realm}:${password}`)
}

/** Parses a `Digest k="v", k2=v2` Authorization header. */
export function parseDigest(header: string | undefined): Record<string, string> | undefined {
  if (!header) return undefined
  const m = /^\s*Digest\s+(.*)$/is.exec(header)
  if (!m) return undefined
  const out: Record<string, string> = {}
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g
  let part: RegExpExecArray | null
  while ((part = re.exec(m[1]!))) out[part[1]!.toLowerCase()] = part[2] ?? part[3] ?? ''
  return out
}

/** Stateless nonces: a timestamp signed with the service's secret, valid for `ttlMs`. */
export class NonceIssuer {
  private readonly secret: Buffer
  constructor(
    secret?: string,
    private readonly ttlMs = 300_000,
  ) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32)
  }
  issue(now = Date.now()): string {
    const ts = now.toString(16)
    return `${ts}.${createHmac('sha256', this.secret).update(ts).digest('hex').slice(0, 32)}`
  }
  valid(nonce: string, now = Date.now()): boolean {
    const [ts, sig] = nonce.split('.')
    if (!ts || !sig) return false
    const expected = createHmac('sha256', this.secret).update(ts).digest('hex').slice(0, 32)
    if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) return false
    const issued = parseInt(ts, 16)
    return Number.isFinite(issued) && now - issued <= this.ttlMs && issued <= now + 1000
  }
}

export function challengeHeader(realm: string, nonce: string, stale = false): string {
  return `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`
}

/** Checks a digest response against the stored HA1 (RFC 2617, with or without qop=auth). */
export function verifyDigest(fields: Record<string, string>, method: string, storedHa1: string): boolean {
  const { nonce, uri, response, qop, nc, cnonce } = fields
  if (!nonce || !uri || !response) return false
  const ha2 = md5(`${method}:${uri}`)
  const expected = qop ? md5(`${storedHa1}:${nonce}:${nc ?? ''}:${cnonce ?? ''}:${qop}:${ha2}`) : md5(`${storedHa1}:${nonce}:${ha2}`)
  return expected.length === response.length && timingSafeEqual(Buffer.from(expected), Buffer.from(response.toLowerCase()))
}
