import { keys } from './keys'
import { AcdError, type AgentState } from './types'
import { EngineCore } from './engine-core'

/** Agents' sessions: log in (to tenants that may share the session), log out, pause, unpause. */
export class EngineAgents extends EngineCore {
  async login(agentId: string, tenants?: string[]): Promise<AgentState> {
    const agent = this.config.agents.get(agentId)
    if (!agent) throw new AcdError('NO_SUCH_AGENT', `unknown agent "${agentId}"`)
    const session = tenants ?? agent.tenants
    if (session.length === 0) throw new AcdError('NO_TENANT', `agent "${agentId}" must serve at least one tenant`)
    for (const t of session) {
      if (!agent.tenants.includes(t)) throw new AcdError('TENANT_NOT_ALLOWED', `agent "${agentId}" may not serve tenant "${t}"`)
    }
    for (const t of session) {
      const clash = this.config.tenants.get(t)!.incompatibleWith.find((o) => session.includes(o))
      if (clash)
        throw new AcdError(
          'INCOMPATIBLE_TENANTS',
          `agent "${agentId}" cannot serve "${t}" and "${clash}" in the same login session: the tenants are incompatible`,
        )
    }
    const pools = new Set(session.map((t) => this.poolOf(t)))
    const pool = [...pools][0]!
    const quals = this.qualifications(agent, session, pool).flatMap((q) => [q.qid, `${q.step}|${q.position}|${q.level}|${q.strategy}|${q.steps}`])
    const reply = await this.run('login', pool, agentId, session.join(','), ...quals)
    return reply['state'] as AgentState
  }

  protected agentPool(agentId: string): string {
    const agent = this.config.agents.get(agentId)
    if (!agent) throw new AcdError('NO_SUCH_AGENT', `unknown agent "${agentId}"`)
    return this.poolOf(agent.tenants[0]!)
  }

  async logout(agentId: string): Promise<void> {
    await this.run('logout', this.agentPool(agentId), agentId)
  }

  async pause(agentId: string, reason: string): Promise<{ pending: boolean }> {
    if (!/^[a-z0-9_-]{1,32}$/.test(reason)) throw new AcdError('BAD_REASON', `invalid pause reason ${JSON.stringify(reason)}`)
    const reply = await this.run('pause', this.agentPool(agentId), agentId, reason)
    return { pending: reply['pending'] === true }
  }

  async unpause(agentId: string): Promise<AgentState> {
    const reply = await this.run('unpause', this.agentPool(agentId), agentId)
    return reply['state'] as AgentState
  }

  /** Runs due timers of every pool; returns how many ran and the earliest next due time. */
  async agentState(agentId: string): Promise<{ state: AgentState; call?: string; reason?: string; tenants: string[] }> {
    const h = await this.redis.hgetall(keys.agent(this.agentPool(agentId), agentId))
    const state = (h['state'] as AgentState | undefined) ?? 'logged-out'
    return { state, call: h['call'], reason: h['reason'] || undefined, tenants: h['tenants'] ? h['tenants'].split(',') : [] }
  }
}
