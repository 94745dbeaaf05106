// What the call flow needs from the outside, as small interfaces: the caller's and the agent's
// legs (SIP and media behind them), the engine, the way agents and outside numbers are dialled,
// and time. The steps in ./steps know nothing else; src/sip implements these for drachtio-srf and
// FreeSWITCH, tests implement them with fakes.
import type { AcdEngine } from '../acd/engine'
import type { Tenant } from '../config/model'
import type { CallFlowEvent } from '../events/contract'
import type { Logger } from '../telemetry/logger'
import type { Metrics } from '../telemetry/metrics'
import type { Timers } from './timers'

export interface CollectOptions {
  minDigits: number
  maxDigits: number
  timeoutMs: number
  terminators: string
}

/** The answered caller's media: what a waiting caller hears and keys in. */
export interface CallerMedia {
  hold(music?: string): void
  play(file: string | string[]): Promise<void>
  /** Plays a prompt while collecting DTMF; resolves with the keys ('' on time-out). */
  collect(file: string, opts: CollectOptions): Promise<string>
  /** Records what the caller says into `file` until hang-up, '#' or the time limit. */
  record(file: string, maxSeconds: number): Promise<void>
}

/** Why a leg went away. */
export type Gone = 'bye' | 'cancel'

/** The leg of the party an agent talks to: an inbound caller, or a customer called out. */
export interface CallerLeg {
  /** The caller's number as presented (may be withheld). */
  readonly number: string | undefined
  /** Undefined when the platform runs without a media server (the caller hears ringback). */
  readonly media: CallerMedia | undefined
  /** Called once when the caller hangs up (or cancels before the answer). */
  onGone(fn: (how: Gone) => void): void
  /** Connects the caller to the agent's leg: a media bridge, or the two SDPs relayed. */
  connect(agent: AgentLeg): Promise<void>
  /** Ends the leg from the platform side: BYE when answered, else a final response `status`. */
  hangup(status: number): void
  /** Gives back what the leg holds (trunk channel, media); once, whatever the order of endings. */
  release(): Promise<void>
}

/** The leg of the one who takes the call: an agent's phone, a remote agent, an outside number. */
export interface AgentLeg {
  /** The agent, or undefined for an outside party (transfer to a number). */
  readonly agent: string | undefined
  /** Called once when the far end hangs up. */
  onGone(fn: (how: Gone) => void): void
  /** Called when the agent's phone asks for a blind transfer; the answer decides the SIP status. */
  onTransfer(fn: (target: string | undefined) => Promise<{ status: number; reason?: string }>): void
  /** Plays a tone or prompt to this leg (ringback while a callback's customer is called). */
  play(file: string): void
  hangup(): void
  release(): Promise<void>
}

/** Ringing one agent: the answered leg, or an error with the SIP status of the failure. */
export interface AgentDial {
  answered: Promise<AgentLeg>
  cancel(): void
}

/** How agents are rung (registered phone, or external number on an outbound trunk). */
export interface AgentDialer {
  dial(req: { tenant: Tenant; call: string; agent: string; headers: Record<string, string> }): Promise<AgentDial | { unreachable: string }>
}

export type OutsideResult =
  | { ok: true; leg: OutsideLeg }
  | { ok: false; outcome: 'busy' | 'no-answer' | 'failed' | 'no-channel' | 'cancelled'; status?: number }

/** An answered outside party: the agent side of a transfer, or the caller side of a callback. */
export type OutsideLeg = AgentLeg & CallerLeg

/** Calls outside numbers on the tenant's outbound trunks (channel caps shared with inbound). */
export interface OutsideDialer {
  call(req: {
    tenant: Tenant
    number: string
    /** presented as the calling number */
    from: string
    ringSeconds: number
    headers?: Record<string, string>
    cancelled: () => boolean
    onCancel: (cancel: () => void) => void
  }): Promise<OutsideResult>
}

/** The engine operations the call flow uses. */
export type CallEngine = Pick<
  AcdEngine,
  'platform' | 'enqueue' | 'answer' | 'noAnswer' | 'complete' | 'hangup' | 'position' | 'requestCallback' | 'callbackResult' | 'record'
> &
  Partial<Pick<AcdEngine, 'sites'>>

export interface FlowDeps {
  engine: CallEngine
  agents: AgentDialer
  outside: OutsideDialer
  timers: Timers
  log: Logger
  metrics: Pick<Metrics, 'callbacks' | 'callsRejected'>
  /** Called once when the call has ended everywhere. */
  onEnded(call: { tenant: string; id: string }): void
  /** Keeps an engine operation that failed for want of Redis, to tell it again once it is back. */
  deferred?: { add(what: string, op: () => Promise<unknown>): void }
  /** Keeps what the end of a call told Redis, to tell it again if a Redis failover undoes it. */
  ends?: { told(end: CallEnd): void }
}

/** The end of a call as told to Redis: the engine's hangup, its `call_ended`, its trunk channel. */
export interface CallEnd {
  tenant: string
  call: string
  by: 'caller' | 'agent' | 'system'
  event: CallFlowEvent
  /** the trunk it came in on (its inbound channel is keyed by the call) */
  trunk?: string
}

