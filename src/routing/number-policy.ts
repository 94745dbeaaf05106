import type { PlatformConfig, PlatformSettings, Tenant } from '../config/model'
import { toE164 } from '../config/phone'

export type NumberDecision = { ok: true; number: string } | { ok: false; reason: string }

/**
 * Whether a tenant may place a call to `raw` (a transfer target, a callback, a campaign contact):
 * a valid number (E.164 after normalisation with the platform's region), inside the tenant's
 * outbound allow-list, and with an outbound trunk to carry it. The same policy for every outbound path.
 */
export function callableNumber(config: PlatformConfig, tenantId: string, raw: string | undefined): NumberDecision {
  const tenant = config.tenants.get(tenantId)
  if (!tenant) return { ok: false, reason: `unknown tenant ${tenantId}` }
  return tenantMayCall(tenant, config.settings, raw)
}

/** The same policy for one tenant (the configuration checks use it on a tenant being built). */
export function tenantMayCall(tenant: Tenant, settings: PlatformSettings, raw: string | undefined): NumberDecision {
  const tenantId = tenant.id
  const number = raw ? toE164(raw, settings.defaultRegion) : undefined
  if (!number) return { ok: false, reason: `not a valid phone number: ${JSON.stringify(raw ?? '')}` }
  if (!tenant.outboundAllowed.some((p) => number.startsWith(p))) return { ok: false, reason: `${number} is not a number tenant ${tenantId} may call` }
  if (!tenant.trunks.some((tr) => tr.outboundProxy && tr.maxOutbound > 0)) return { ok: false, reason: `tenant ${tenantId} has no outbound trunk` }
  return { ok: true, number }
}
