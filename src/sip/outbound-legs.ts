import type Srf from 'drachtio-srf'
import type { Registrar } from '../agents/registrar'
import type { PlatformConfig, Tenant, Trunk } from '../config/model'
import type { TrunkChannels } from '../trunks/channels'

/** Takes an outbound channel on the first of the tenant's outbound trunks that has one free. */
export async function acquireOutbound(channels: TrunkChannels, tenant: Tenant, key: string): Promise<Trunk | undefined> {
  for (const trunk of tenant.trunks.filter((t) => t.outboundProxy && t.maxOutbound > 0)) {
    if (await channels.acquire(trunk, 'out', key)) return trunk
  }
  return undefined
}

/**
 * Where to ring an agent: the registered phone, else (remote / on-call agents) the agent's external
 * number through one of the tenant's outbound trunks, holding one of its channels under `key`.
 */
export async function agentContact(
  deps: { registrar: Registrar; channels: TrunkChannels; config: PlatformConfig },
  tenantId: string,
  agentId: string,
  key: string,
): Promise<{ contact: string; trunk?: Trunk } | undefined> {
  const reg = await deps.registrar.contactFor(agentId, tenantId)
  if (reg) return { contact: reg.contact }
  const agent = deps.config.agents.get(agentId)
  const tenant = deps.config.tenants.get(tenantId)
  if (!agent?.externalNumber || !tenant) return undefined
  const trunk = await acquireOutbound(deps.channels, tenant, key)
  return trunk ? { contact: `sip:${agent.externalNumber}@${trunk.outboundProxy}`, trunk } : undefined
}

/** Without media the two dialogs are relayed: a re-INVITE (hold/unhold) on one goes to the other. */
export function relayModify(from: Srf.Dialog, to: Srf.Dialog): void {
  from.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    to.modify(req.body)
      .then((sdp) => res.send(200, { body: sdp }))
      .catch(() => res.send(488))
  })
}
