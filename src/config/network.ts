import { BlockList, isIP } from 'node:net'

/** Parses "a.b.c.d/len", "a.b.c.d", "::1/128"; returns undefined when malformed. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, prefixText, extra] = text.trim().split('/')
  if (address === undefined || extra !== undefined) return undefined
  const version = isIP(address)
  if (version === 0) return undefined
  const max = version === 4 ? 32 : 128
  const prefix = prefixText === undefined ? max : Number(prefixText)
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return undefined
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

/** A set of CIDR ranges answering "is this source address inside?". */
export class AddressSet {
  private readonly list = new BlockList()
  constructor(cidrs: string[]) {
    for (const text of cidrs) {
      const cidr = parseCidr(text)
      if (!cidr) throw new Error(`invalid CIDR ${JSON.stringify(text)}`)
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family)
    }
  }
  has(address: string): boolean {
    const version = isIP(address)
    if (version === 0) return false
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6')
  }
}
