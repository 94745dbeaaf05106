import type Srf from 'drachtio-srf'
import type { AcdEngine } from '../acd/engine'
import type { Registrar } from '../agents/registrar'
import { Call } from '../call/call'
import { CallFlow, type Entry } from '../call/call-flow'
import { admit } from '../call/steps/admission'
import { realTimers, type Timers } from '../call/timers'
import type { Ddi, Trunk } from '../config/model'
import type { MediaGateway } from '../media/gateway'
import { offerProblem } from '../media/sdp-media'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { TrunkChannels } from '../trunks/channels'
import { SipAgentDialer } from './agent-dialer'
import { InboundCallerLeg } from './caller-leg'
import { SipOutsideDialer } from './outbound-call'
import type { CallEngine, FlowDeps } from '../call/ports'
import type { Probe } from '../config/probes'
import { probeEngine } from '../probes/probe-engine'

/** A probe call's flow counts no rejection or callback in the tenant's metrics. */
const UNCOUNTED = { callsRejected: { inc: () => undefined }, callbacks: { inc: () => undefined } } as unknown as Metrics

export interface CallDeps {
  srf: Srf
  engine: AcdEngine
  registrar: Registrar
  channels: TrunkChannels
  media: MediaGateway | undefined
  log: Logger
  metrics: Metrics
  timers?: Timers
  /** Called once the call has ended everywhere (channels released, engine told). */
  onEnded(call: { tenant: string; id: string }): void
  /** Called once the caller is answered (or the answer failed): the call is out of its setup. */
  setupDone?(): void
  /** Engine operations to tell again once Redis is back (see EngineOutbox). */
  deferred?: { add(what: string, op: () => Promise<unknown>): void }
  /** Ends of calls to tell again if a Redis failover undoes them (see EndJournal). */
  ends?: FlowDeps['ends']
}

/**
 * One inbound call from a trunk, wired to the call flow: the caller's leg (INVITE, trunk channel,
 * media), the agent dialer and the outside dialer. The entry checks run first; a call refused at
 * the door (media the platform cannot take, trunk full) gets its final response, a `call_ended`
 * event, and no flow.
 */
export async function inboundCall(deps: CallDeps, req: Srf.SrfRequest, res: Srf.SrfResponse, trunk: Trunk, ddi: Ddi, probe?: Probe): Promise<{ flow: CallFlow; run(): Promise<void> } | undefined> {
  const { engine } = deps
  const metrics = probe ? UNCOUNTED : deps.metrics
  const tenant = engine.platform.tenants.get(ddi.tenant)!
  const call = new Call(tenant, { queue: ddi.entry.kind === 'queue' ? ddi.entry.queue : '', presented: ddi.number, callerNumber: req.callingNumber || undefined })
  const log = deps.log.child({ tenant: tenant.id, call: call.id, trunk: trunk.id, ddi: ddi.number, sipCallId: req.get('Call-ID'), ...(probe ? { probe: probe.id } : {}) })
  const timers = deps.timers ?? realTimers
  const leg = new InboundCallerLeg({ ...deps, log }, req, res, trunk, call.id, tenant.id)
  const refusal = await admit({ mediaProblem: () => (deps.media ? offerProblem(req.body) : undefined), takeChannel: () => leg.takeChannel() })
  if (refusal) {
    log.warn({ status: refusal.status, reason: refusal.reason, detail: refusal.detail }, 'inbound call turned away')
    metrics.callsRejected.inc({ tenant: tenant.id, reason: refusal.reason })
    leg.refuse(refusal.status, refusal.headers)
    await engine
      .record(tenant.id, { type: 'call_ended', call: call.id, queue: call.queue || undefined, outcome: 'refused', reason: refusal.reason, ended_by: 'system', wait_ms: 0, duration_ms: 0, probe: probe?.id })
      .catch((err: unknown) => log.error({ err }, 'end of call not recorded'))
    return undefined
  }
  const flow = callFlow({ ...deps, metrics }, call, log, timers, () => req.body, probe ? probeEngine(engine, probe) : engine)
  const entry: Entry = ddi.entry.kind === 'ivr' ? { kind: 'ivr', ivr: ddi.entry.ivr } : { kind: 'queue' }
  const answer = () => leg.answer().finally(() => deps.setupDone?.())
  return { flow, run: () => flow.start(leg, entry, { ddi: ddi.number, trunk: trunk.id, ...(probe ? { probe: probe.id } : {}) }, answer) }
}

/** The call flow of a call, wired to SIP: the agent dialer and the outside dialer. */
function callFlow(deps: CallDeps, call: Call, log: Logger, timers: Timers, callerSdp: () => string | undefined, flowEngine: CallEngine = deps.engine): CallFlow {
  const { engine, metrics } = deps
  const sipDeps = { srf: deps.srf, channels: deps.channels, media: deps.media, log }
  return new CallFlow(
    {
      engine: flowEngine,
      agents: new SipAgentDialer({ ...sipDeps, registrar: deps.registrar, config: () => engine.platform }, callerSdp),
      outside: new SipOutsideDialer({ ...sipDeps, timers }, { key: call.id, sdp: callerSdp }),
      timers,
      log,
      metrics,
      onEnded: deps.onEnded,
      deferred: deps.deferred,
      ends: deps.ends,
    },
    call,
    log,
    (c) => ({
      From: `<sip:${c.callerNumber ?? 'anonymous'}@${c.tenant.sipDomain}>`,
      'X-ACD-Tenant': c.tenant.id,
      'X-ACD-Queue': c.queue,
      ...(c.callbackNumber ? { 'X-ACD-Callback': c.callbackNumber } : {}),
    }),
  )
}

/**
 * A callback this instance owns without holding it (adopted from an instance that stopped): an
 * outbound-first call, through the same steps (agent first, then the customer).
 */
export async function adoptedCallback(deps: CallDeps, tenantId: string, callId: string): Promise<CallFlow | undefined> {
  const state = await deps.engine.callState(tenantId, callId)
  const tenant = deps.engine.platform.tenants.get(tenantId)
  if (!state || !tenant || !state['callback'] || state['owner'] !== deps.engine.instanceId) return undefined
  let attributes: Record<string, string> = {}
  try {
    attributes = JSON.parse(state['attrs'] ?? '{}') as Record<string, string>
  } catch {
    // attributes unreadable: the tenant's first DDI is presented
  }
  const presented = attributes['ddi'] ?? [...deps.engine.platform.ddis.values()].find((d) => d.tenant === tenantId)?.number ?? ''
  const call = new Call(tenant, { id: callId, queue: state['queue']!, presented, callerNumber: state['caller'] || undefined })
  call.callbackNumber = state['callback']
  call.phase = 'callback'
  call.arrivedAt = Number(state['enq'] ?? 0)
  const log = deps.log.child({ tenant: tenantId, call: callId, adopted: true })
  log.info({ number: call.callbackNumber }, 'callback adopted from a stopped instance')
  return callFlow(deps, call, log, deps.timers ?? realTimers, () => undefined)
}
