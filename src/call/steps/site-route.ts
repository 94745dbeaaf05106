import type { MovedNotice } from '../../acd/types'
import { routeForSites } from '../../routing/sites'
import type { Logger } from '../../telemetry/logger'
import type { Call } from '../call'
import type { FlowDeps } from '../ports'

/**
 * Before a call enters its queue: while the queue's site is down or draining, the call goes to
 * the queue's copy at the backup site (same behaviour), and its history says so (`site_rerouted`).
 */
export async function routeToSite(deps: Pick<FlowDeps, 'engine'>, call: Call, log: Logger): Promise<void> {
  const view = deps.engine.sites
  if (!view || !call.queue) return
  const decision = routeForSites(deps.engine.platform, view, call.tenant.id, call.queue)
  if (!decision.rerouted) return
  const { from, site, state } = decision.rerouted
  call.queue = decision.queue
  log.info({ queue: from, target: decision.queue, site, state }, 'call routed to the backup site')
  await deps.engine
    .record(call.tenant.id, { type: 'site_rerouted', call: call.id, queue: from, target: decision.queue, site, state })
    .catch((err: unknown) => log.error({ err }, 'reroute not recorded'))
}

/** A waiting call moved with a site switch: its queue is the one it moved to. */
export function movedWithSite(call: Call, n: MovedNotice): void {
  if (call.queue === n.queue) call.queue = n.target
}
