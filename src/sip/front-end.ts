import type Srf from 'drachtio-srf'
import type { AcdEngine } from '../acd/engine'
import type { Notice } from '../acd/types'
import type { Registrar } from '../agents/registrar'
import type { PlatformConfig } from '../config/model'
import type { MediaGateway } from '../media/gateway'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { TrunkChannels } from '../trunks/channels'
import { answerFeatureCode, parseFeatureCode, runFeatureCode } from './feature-codes'
import type { CallFlow } from '../call/call-flow'
import type { FlowDeps } from '../call/ports'
import { adoptedCallback, inboundCall } from './inbound-call'
import { routeInbound, TrunkDirectory } from './inbound-routing'
import { SourceLimiter, type DoorDecision } from './door'
import { uriHost, uriUser } from './sdp'
import { PROBE_HEADER, probeDoor } from '../probes/probe-door'

export interface FrontEndDeps {
  srf: Srf
  engine: AcdEngine
  registrar: Registrar
  channels: TrunkChannels
  media: () => MediaGateway | undefined
  log: Logger
  metrics: Metrics
  /** Admission of new calls (overload, draining, Redis away); open when not given. */
  door?: () => DoorDecision
  /** INVITEs and REGISTERs per source address and second, and their burst */
  sourceRate?: { rate: number; burst: number }
  /** Engine operations to tell again once Redis is back */
  deferred?: { add(what: string, op: () => Promise<unknown>): void }
  /** Ends of calls to tell again if a Redis failover undoes them */
  ends?: FlowDeps['ends']
}

const DEFAULT_EXPIRES = 3600
const MAX_EXPIRES = 7200

/**
 * The SIP front end on drachtio: trunk calls (source check, DDI routing, channel caps) handed to the
 * ACD; agent phones (REGISTER with digest, feature codes).
 */
export class SipFrontEnd {
  private directory: TrunkDirectory
  private readonly calls = new Map<string, CallFlow>()
  private readonly limiter: SourceLimiter
  private setup = 0
  private readonly adopting = new Set<string>()

  constructor(private readonly deps: FrontEndDeps) {
    this.directory = new TrunkDirectory(deps.engine.platform)
    this.limiter = new SourceLimiter(deps.sourceRate?.rate ?? 50, deps.sourceRate?.burst ?? 100)
    deps.engine.on('notice', (n: Notice) => {
      const call = this.calls.get(`${n.tenant}/${n.call}`)
      if (call) void call.notice(n).catch((err) => deps.log.error({ err, tenant: n.tenant, call: n.call }, 'notice handling failed'))
      else if (n.type === 'offer') void this.adopt(n).catch((err) => deps.log.error({ err, tenant: n.tenant, call: n.call }, 'adopted callback failed'))
      else deps.log.warn({ tenant: n.tenant, call: n.call, type: n.type }, 'notice for a call this instance does not hold')
    })
  }

  /** An offer for a call held nowhere: a callback adopted from a stopped instance is made from here. */
  private async adopt(n: Notice): Promise<void> {
    const key = `${n.tenant}/${n.call}`
    if (this.adopting.has(key)) return
    this.adopting.add(key)
    try {
      const flow = await adoptedCallback({ ...this.deps, media: this.deps.media(), onEnded: (c) => this.calls.delete(`${c.tenant}/${c.id}`) }, n.tenant, n.call)
      if (!flow) return void this.deps.log.warn({ tenant: n.tenant, call: n.call }, 'offer for a call this instance does not hold')
      this.calls.set(key, flow)
      await flow.notice(n)
    } finally {
      this.adopting.delete(key)
    }
  }

  setConfig(config: PlatformConfig): void {
    this.directory = new TrunkDirectory(config)
  }

  get activeCalls(): number {
    return this.calls.size
  }

  /** The calls this instance carries now. */
  liveCalls(): CallFlow[] {
    return [...this.calls.values()]
  }

  /** Calls between their INVITE and the caller being answered (or refused). */
  get callsInSetup(): number {
    return this.setup
  }

  /**
   * A source over its rate gets 503 with Retry-After, before any routing or Redis work. Trunks'
   * own addresses are held by their channel caps instead (a carrier sends every call from a few).
   */
  private limited(req: Srf.SrfRequest, res: Srf.SrfResponse, method: string): boolean {
    if (this.directory.trunksFrom(req.source_address).length > 0) return false
    if (this.limiter.take(req.source_address)) return false
    this.deps.metrics.callsRejected.inc({ tenant: 'unknown', reason: `${method.toLowerCase()}-rate` })
    this.reply(res, method, 503, { 'Retry-After': '1', 'X-Reason': 'too many requests from this address' })
    return true
  }

  attach(srf: Srf): void {
    srf.invite((req, res) => void this.onInvite(req, res).catch((err) => this.fail(res, err)))
    // A method handler (not an 'on' listener) tells drachtio-server to route REGISTERs here.
    const withRegister = srf as unknown as { register(h: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void }
    withRegister.register((req, res) => void this.onRegister(req, res).catch((err) => this.fail(res, err)))
  }

  private fail(res: Srf.SrfResponse, err: unknown): void {
    this.deps.log.error({ err }, 'SIP request handling failed')
    if (!res.finalResponseSent) res.send(500)
  }

  private reply(res: Srf.SrfResponse, method: string, status: number, headers: Record<string, string> = {}): void {
    this.deps.metrics.sipRequests.inc({ method, status: String(status) })
    res.send(status, { headers })
  }

  private async onInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    if (this.limited(req, res, 'INVITE')) return
    const user = uriUser(req.uri)
    if (user?.startsWith('*')) return this.onFeatureCode(req, res, user)
    const probe = await probeDoor(this.directory.config, this.deps.engine.redis, { source: req.source_address, claim: req.get(PROBE_HEADER) || undefined, requestUser: user })
    if (probe.kind === 'refused') {
      this.deps.log.warn({ source: req.source_address, user, reason: probe.reason, tenant: probe.tenant }, 'probe call refused')
      this.deps.metrics.callsRejected.inc({ tenant: probe.tenant ?? 'unknown', reason: 'probe-claim' })
      return this.reply(res, 'INVITE', probe.status, { 'X-Reason': probe.reason })
    }
    const decision = probe.kind === 'probe' ? { ok: true as const, trunk: probe.trunk, ddi: probe.ddi } : routeInbound(this.directory, req.source_address, user, uriUser(req.get('To')))
    if (!decision.ok) {
      this.deps.log.warn({ source: req.source_address, user, status: decision.status, reason: decision.reason, tenant: decision.tenant }, 'inbound call refused')
      this.deps.metrics.callsRejected.inc({ tenant: decision.tenant ?? 'unknown', reason: String(decision.status) })
      return this.reply(res, 'INVITE', decision.status, { 'X-Reason': decision.reason })
    }
    const door = this.deps.door?.() ?? { open: true }
    if (!door.open) {
      this.deps.log.warn({ tenant: decision.ddi.tenant, reason: door.reason, probe: probe.kind === 'probe' ? probe.probe.id : undefined }, 'new call refused at the door')
      if (probe.kind !== 'probe') this.deps.metrics.callsRejected.inc({ tenant: decision.ddi.tenant, reason: door.reason })
      return this.reply(res, 'INVITE', 503, { 'Retry-After': String(door.retryAfter), 'X-Reason': door.reason })
    }
    this.setup++
    let inSetup = true
    const setupDone = () => {
      if (inSetup) this.setup--
      inSetup = false
    }
    const started = await inboundCall(
      { ...this.deps, media: this.deps.media(), onEnded: (c) => this.calls.delete(`${c.tenant}/${c.id}`), setupDone },
      req,
      res,
      decision.trunk,
      decision.ddi,
      probe.kind === 'probe' ? probe.probe : undefined,
    ).catch((err: unknown) => {
      setupDone()
      throw err
    })
    if (!started) return setupDone()
    const key = `${started.flow.call.tenant.id}/${started.flow.call.id}`
    this.calls.set(key, started.flow)
    await started.run()
    if (started.flow.call.ended) this.calls.delete(key)
  }

  private async onFeatureCode(req: Srf.SrfRequest, res: Srf.SrfResponse, user: string): Promise<void> {
    const { registrar, engine, log } = this.deps
    const domain = uriHost(req.uri) ?? ''
    const auth = await registrar.authenticate('INVITE', domain, req.get('Authorization') || undefined, req.source_address)
    if (!auth.ok) {
      if (auth.challenge) return this.reply(res, 'INVITE', 401, { 'WWW-Authenticate': auth.challenge })
      log.warn({ source: req.source_address, domain, reason: auth.reason }, 'feature code refused')
      return this.reply(res, 'INVITE', auth.status, { 'X-Reason': auth.reason })
    }
    const code = parseFeatureCode(user)
    if (!code) return this.reply(res, 'INVITE', 404, { 'X-Reason': `unknown feature code ${user}` })
    const result = await runFeatureCode(engine, auth.agent, auth.tenant, code)
    log.info({ tenant: auth.tenant.id, agent: auth.agent.id, code: code.action, ...result }, 'feature code')
    await answerFeatureCode(this.deps.srf, this.deps.media(), req, res, result.ok, log)
  }

  private async onRegister(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    if (this.limited(req, res, 'REGISTER')) return
    const { registrar, log } = this.deps
    const domain = uriHost(req.uri) ?? uriHost(req.get('To')) ?? ''
    const auth = await registrar.authenticate('REGISTER', domain, req.get('Authorization') || undefined, req.source_address)
    if (!auth.ok) {
      if (auth.challenge) return this.reply(res, 'REGISTER', 401, { 'WWW-Authenticate': auth.challenge })
      log.warn({ source: req.source_address, domain, reason: auth.reason }, 'registration refused')
      return this.reply(res, 'REGISTER', auth.status, { 'X-Reason': auth.reason })
    }
    const toUser = uriUser(req.get('To'))
    if (toUser && toUser !== auth.agent.sipUsername) {
      return this.reply(res, 'REGISTER', 403, { 'X-Reason': `${auth.agent.sipUsername} may not register ${toUser}` })
    }
    const contactHeader = req.get('Contact') ?? ''
    const contact = /<([^>]+)>/.exec(contactHeader)?.[1] ?? contactHeader.split(';')[0]?.trim() ?? ''
    const paramExpires = /;\s*expires=(\d+)/i.exec(contactHeader)?.[1]
    const expires = Math.min(MAX_EXPIRES, Number(paramExpires ?? req.get('Expires') ?? DEFAULT_EXPIRES))
    if (contactHeader.trim() === '*' || expires === 0) {
      await registrar.register(auth.tenant, auth.agent, '', req.source_address, 0)
      log.info({ tenant: auth.tenant.id, agent: auth.agent.id }, 'agent unregistered')
      return this.reply(res, 'REGISTER', 200, { Expires: '0' })
    }
    if (!contact.startsWith('sip')) return this.reply(res, 'REGISTER', 400, { 'X-Reason': 'missing Contact' })
    await registrar.register(auth.tenant, auth.agent, contact, req.source_address, expires)
    log.info({ tenant: auth.tenant.id, agent: auth.agent.id, contact, expires }, 'agent registered')
    this.reply(res, 'REGISTER', 200, { Contact: `<${contact}>;expires=${expires}`, Expires: String(expires) })
  }
}
