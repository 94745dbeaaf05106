import type { Test } from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { Registrar } from '../../src/agents/registrar'
import type { PlatformConfig } from '../../src/config/model'
import type { RedisLike } from '../../src/redis/connect'
import { startSippUas } from '../../src/stack/sipp'

/**
 * Every agent of the platform registered on one SIPp phone (127.0.0.10, answering after 100 ms)
 * and logged in to `tenant`, for load tests; with an observing engine on the same Redis.
 */
export async function agentsOnOnePhone(t: Test, redis: RedisLike, config: PlatformConfig, tenant: string, observer: string) {
  const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: 100_000, timeoutMs: 120_000, traceMessages: false, args: ['-set', 'ring', '100', '-l', '1000'] })
  t.teardown(() => phone.stop())
  const engine = new AcdEngine(redis, config, { instanceId: observer })
  const registrar = new Registrar(redis, config)
  for (const id of config.agents.keys()) {
    await registrar.register(config.tenants.get(tenant)!, config.agents.get(id)!, `sip:${id}@${phone.address}`, '127.0.0.10', 3600)
    await engine.login(id, [tenant])
  }
  return { phone, engine, registrar }
}
