import type { Ddi, PlatformConfig, Trunk } from '../config/model'
import { AddressSet } from '../config/network'
import { toE164 } from '../config/phone'

export type InboundDecision =
  | { ok: true; trunk: Trunk; ddi: Ddi; number: string }
  | { ok: false; status: 403 | 404; reason: string; tenant?: string }

/** Which trunk a source address belongs to, precomputed per configuration. */
export class TrunkDirectory {
  private readonly entries: { trunk: Trunk; sources: AddressSet }[]
  constructor(readonly config: PlatformConfig) {
    this.entries = [...config.tenants.values()].flatMap((t) => t.trunks.map((trunk) => ({ trunk, sources: new AddressSet(trunk.allowedSources) })))
  }
  trunksFrom(source: string): Trunk[] {
    return this.entries.filter((e) => e.sources.has(source)).map((e) => e.trunk)
  }
}

/**
 * The SIP decision for a new inbound call, before anything is answered:
 * - the source must be inside an allowed range of some trunk, else 403;
 * - the dialled number (Request-URI user, else To user) must be a known DDI, else 404;
 * - the DDI must belong to the tenant of a trunk the call came from, else 403:
 *   a tenant's lines carry only its own numbers.
 */
export function routeInbound(directory: TrunkDirectory, source: string, requestUser: string | undefined, toUser: string | undefined): InboundDecision {
  const trunks = directory.trunksFrom(source)
  if (trunks.length === 0) return { ok: false, status: 403, reason: `source ${source} is not an allowed address of any trunk` }
  const region = directory.config.settings.defaultRegion
  const number = (requestUser && toE164(requestUser, region)) || (toUser && toE164(toUser, region)) || undefined
  if (!number) return { ok: false, status: 404, reason: `not a dialable number: ${JSON.stringify(requestUser ?? toUser ?? '')}` }
  const ddi = directory.config.ddis.get(number)
  if (!ddi) return { ok: false, status: 404, reason: `${number} is not a DDI of this platform` }
  const trunk = trunks.find((t) => t.tenant === ddi.tenant)
  if (!trunk) {
    return { ok: false, status: 403, reason: `${number} belongs to another tenant than trunk ${trunks.map((t) => t.id).join(', ')}`, tenant: trunks[0]!.tenant }
  }
  return { ok: true, trunk, ddi, number }
}
