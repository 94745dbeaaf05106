import type { AcdEngine } from './engine'
import { poolPrefix } from './keys'
import { acdScripts } from './scripts'
import { AcdError, type Notice } from './types'

export type SuperviseAction = { action: 'priority'; priority: number } | { action: 'move'; queue: string } | { action: 'hangup' }

/**
 * A supervisor's action on a waiting call (supervise.lua): its priority, a move to another queue of
 * its tenant keeping its place, or a hang-up; the call's owner instance is told (an overflow
 * notice), here through the engine's notices when this instance owns the call.
 */
export async function superviseCall(engine: AcdEngine, tenant: string, call: string, a: SuperviseAction): Promise<{ state: string; queue: string; position?: number; priority?: number }> {
  if (a.action === 'priority' && !(Number.isInteger(a.priority) && a.priority >= 0 && a.priority <= 99)) throw new AcdError('BAD_PRIORITY', `priority ${a.priority} is not 0..99`)
  if (a.action === 'move' && !engine.platform.tenants.get(tenant)?.queues.some((q) => q.id === a.queue)) throw new AcdError('NO_SUCH_QUEUE', `tenant "${tenant}" has no queue "${a.queue}"`)
  const arg = a.action === 'priority' ? String(a.priority) : a.action === 'move' ? a.queue : ''
  let raw: string
  try {
    raw = await acdScripts(engine.redis).supervise(poolPrefix(engine.poolOf(tenant)), engine.instanceId, engine.clock.now(), a.action, tenant, call, arg)
  } catch (err) {
    const m = /^([A-Z_]+) (.*)$/.exec((err as Error).message ?? '')
    if (m && m[1] !== 'ERR' && m[1] !== 'NOSCRIPT') throw new AcdError(m[1]!, m[2]!)
    throw err
  }
  const reply = JSON.parse(raw) as { state: string; queue: string; position?: number; priority?: number; notices: Notice[] | Record<string, never> }
  for (const n of Array.isArray(reply.notices) ? reply.notices : []) engine.emit('notice', n)
  return { state: reply.state, queue: reply.queue, ...(reply.position !== undefined ? { position: reply.position } : {}), ...(reply.priority !== undefined ? { priority: reply.priority } : {}) }
}
