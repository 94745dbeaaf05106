export type AgentState = 'logged-out' | 'available' | 'reserved' | 'on-call' | 'wrap-up' | 'paused'
export const AGENT_STATES: readonly AgentState[] = ['logged-out', 'available', 'reserved', 'on-call', 'wrap-up', 'paused']

/** `retry`: a callback whose last attempt failed, out of the queue until its retry is due. */
export type CallState = 'waiting' | 'referred' | 'reserved' | 'connected' | 'retry'

/** How a call to a callback's customer went. */
export type CallbackOutcome = 'connected' | 'busy' | 'no-answer' | 'failed'

/** An offer: the engine reserved agents for a call; the owner of the call must ring them. */
export interface OfferNotice {
  type: 'offer'
  tenant: string
  call: string
  queue: string
  agents: string[]
  attempt: number
  ringMs: number
}
/** A ringing offer was taken back (ring timeout, agent paused or logged out): stop ringing. */
export interface WithdrawNotice {
  type: 'withdraw'
  tenant: string
  call: string
  agent: string
}
/** The call left its queue for the queue's overflow target. */
export interface OverflowNotice {
  type: 'overflow'
  tenant: string
  call: string
  queue: string
  reason: string
  /** "queue:<id>", "voicemail" or "hangup" */
  target: string
  seq: string
  enqueuedAt: number
  priority: number
}
/** A waiting call moved with a site switch (site_switch.lua), keeping its place: its queue is now `target`. */
export interface MovedNotice {
  type: 'moved'
  tenant: string
  call: string
  queue: string
  target: string
  site: string
}
export type Notice = OfferNotice | WithdrawNotice | OverflowNotice | MovedNotice

export interface EnqueueRequest {
  tenant: string
  queue: string
  callId: string
  caller?: string
  /** Call attributes (urgency, contract, customer id, ...) used by priority rules and history. */
  attributes?: Record<string, string>
  /** Explicit priority; by default the queue's priority rules decide. */
  priority?: number
  /** Referent agent the call waits for first (else looked up from attributes.customer). */
  referent?: string
  /** Keep the place of a call moving from another queue (overflow). */
  keepPlace?: { seq: string; enqueuedAt: number }
}

export interface EnqueueResult {
  /** `overflowed`: an overflow rule sent the call on at once (its overflow notice tells where). */
  state: CallState | 'full' | 'overflowed'
  position: number
  priority: number
}

export interface QueueSnapshot {
  tenant: string
  queue: string
  /** Calls waiting, callbacks included. */
  waiting: number
  /** Callbacks not made yet (their callers hung up): in the queue, ringing an agent or waiting for a retry. */
  callbacks: number
  longestWaitMs: number
  agents: Record<AgentState, number>
  stats: Record<string, number>
}

export interface CallPosition {
  state: CallState
  position: number
  estimatedWaitSeconds: number
}

export class AcdError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'AcdError'
  }
}

/** What the recovery of a stopped instance did in one pool. */
export interface InstanceRecovery {
  /** callbacks it owned, now owned by the recovering instance */
  adopted: number
  /** agents that were ringing for its calls, freed without a no-answer */
  released: number
  /** its calls that can no longer be served: ended in the engine (connected ones completed) */
  ended: Array<{ tenant: string; call: string; queue: string; agent?: string; stage: string }>
}
