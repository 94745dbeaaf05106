import type Srf from 'drachtio-srf'
import type { AcdEngine } from '../acd/engine'
import { AcdError } from '../acd/types'
import type { Agent, Tenant } from '../config/model'
import { TONE_FAILED, TONE_OK, type MediaGateway } from '../media/gateway'
import type { Logger } from '../telemetry/logger'
import { endDialog } from './dialogs'
import { inactiveAnswer } from './sdp'

/**
 * Feature codes dialled from an agent's phone (after digest authentication in a tenant realm):
 *   *41        log in to the realm's tenant and every other tenant of the agent compatible with it
 *   *42        log out
 *   *43[*NN]   pause, with an optional numeric reason code (default "break")
 *   *44        unpause
 */
export type FeatureCode = { action: 'login' } | { action: 'logout' } | { action: 'pause'; reason: string } | { action: 'unpause' }

export function parseFeatureCode(user: string): FeatureCode | undefined {
  const m = /^\*(4[1-4])(?:\*(\d{1,8}))?$/.exec(user)
  if (!m) return undefined
  switch (m[1]) {
    case '41':
      return { action: 'login' }
    case '42':
      return { action: 'logout' }
    case '43':
      return { action: 'pause', reason: m[2] ? `code-${m[2]}` : 'break' }
    default:
      return { action: 'unpause' }
  }
}

/** The login session a phone registered in `realm` asks for. */
export function sessionTenants(agent: Agent, realm: Tenant, tenants: Map<string, Tenant>): string[] {
  const session = [realm.id]
  for (const t of agent.tenants) {
    if (session.includes(t)) continue
    const clash = session.some((s) => tenants.get(s)?.incompatibleWith.includes(t))
    if (!clash) session.push(t)
  }
  return session
}

export async function runFeatureCode(engine: AcdEngine, agent: Agent, realm: Tenant, code: FeatureCode): Promise<{ ok: boolean; detail: string }> {
  try {
    switch (code.action) {
      case 'login': {
        const tenants = sessionTenants(agent, realm, engine.platform.tenants)
        const state = await engine.login(agent.id, tenants)
        return { ok: true, detail: `logged in to ${tenants.join(', ')} (${state})` }
      }
      case 'logout':
        await engine.logout(agent.id)
        return { ok: true, detail: 'logged out' }
      case 'pause': {
        const r = await engine.pause(agent.id, code.reason)
        return { ok: true, detail: r.pending ? `pause ${code.reason} after the call` : `paused ${code.reason}` }
      }
      case 'unpause':
        return { ok: true, detail: `now ${await engine.unpause(agent.id)}` }
    }
  } catch (err) {
    if (err instanceof AcdError) return { ok: false, detail: `${err.code}: ${err.message}` }
    throw err
  }
}

/** Answers the feature-code call with a short tone (or, without media, an inactive stream) and hangs up. */
export async function answerFeatureCode(
  srf: Srf,
  media: MediaGateway | undefined,
  req: Srf.SrfRequest,
  res: Srf.SrfResponse,
  ok: boolean,
  log: Logger,
): Promise<void> {
  if (media) {
    const caller = await media.answerCaller(req, res)
    try {
      await caller.play(ok ? TONE_OK : TONE_FAILED)
    } catch (err) {
      log.debug({ err }, 'feature code tone interrupted')
    }
    endDialog(caller.dialog)
    await caller.release()
    return
  }
  const dialog = await srf.createUAS(req, res, { localSdp: inactiveAnswer(req.body), headers: { 'X-ACD-Result': ok ? 'ok' : 'failed' } })
  setTimeout(() => endDialog(dialog), 300)
}
