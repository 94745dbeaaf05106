// The door for probe calls: a call is a probe only when it comes from the probes' sources (never a
// trunk's: the configuration refuses an overlap), names a probe of the DDI's tenant, dials that
// probe's DDI, and carries the nonce of the run an instance took for it in Redis. Anything else
// claiming to be a probe is refused; a trunk call cannot become one.
import { keys } from '../acd/keys'
import type { Ddi, PlatformConfig, Trunk } from '../config/model'
import { AddressSet } from '../config/network'
import { toE164 } from '../config/phone'
import { probeOf, type Probe } from '../config/probes'
import type { RedisLike } from '../redis/connect'

/** The header a probe call carries: `<tenant>;<probe>;<tick>;<nonce>`. */
export const PROBE_HEADER = 'X-ACD-Probe'

export const probeClaim = (p: Probe, tick: number, nonce: string): string => `${p.tenant};${p.id};${tick};${nonce}`

export type ProbeDoorDecision =
  | { kind: 'none' }
  | { kind: 'refused'; status: 403; reason: string; tenant?: string }
  | { kind: 'probe'; probe: Probe; trunk: Trunk; ddi: Ddi }

const sourceSets = new WeakMap<PlatformConfig, AddressSet>()

export function isProbeSource(config: PlatformConfig, source: string): boolean {
  if (!config.probes) return false
  let set = sourceSets.get(config)
  if (!set) sourceSets.set(config, (set = new AddressSet(config.probes.sources)))
  return set.has(source)
}

/** Whether an INVITE is a probe call, and if it claims to be one without being it, why not. */
export async function probeDoor(
  config: PlatformConfig,
  redis: RedisLike,
  req: { source: string; claim: string | undefined; requestUser: string | undefined },
): Promise<ProbeDoorDecision> {
  if (req.claim === undefined || req.claim === '') return { kind: 'none' }
  const refuse = (reason: string, tenant?: string): ProbeDoorDecision => ({ kind: 'refused', status: 403, reason, tenant })
  if (!isProbeSource(config, req.source)) return refuse(`a probe call from ${req.source}, which is not a probe source`)
  const [tenant, id, tickText, nonce, extra] = req.claim.split(';')
  const probe = tenant && id ? probeOf(config, tenant, id) : undefined
  if (!probe || !nonce || extra !== undefined || !/^\d+$/.test(tickText ?? '')) return refuse(`no such probe: ${JSON.stringify(req.claim.slice(0, 80))}`)
  const number = req.requestUser ? toE164(req.requestUser, config.settings.defaultRegion) : undefined
  if (number !== probe.ddi) return refuse(`probe ${probe.tenant}/${probe.id} dials ${probe.ddi} only, not ${number ?? req.requestUser}`, probe.tenant)
  const pool = config.tenants.get(probe.tenant)!.pool
  const run = await redis.get(keys.probeRun(pool, probe.tenant, probe.id, tickText!))
  if (run !== nonce) return refuse(`probe ${probe.tenant}/${probe.id}: no run ${tickText} with this nonce`, probe.tenant)
  const trunk = config.tenants.get(probe.tenant)!.trunks.find((t) => t.id === probe.trunk)
  const ddi = config.ddis.get(probe.ddi)
  if (!trunk || !ddi) return refuse(`probe ${probe.tenant}/${probe.id}: its trunk or DDI is gone`, probe.tenant)
  return { kind: 'probe', probe, trunk, ddi }
}
