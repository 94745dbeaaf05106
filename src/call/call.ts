import { randomUUID } from 'node:crypto'
import type { Tenant } from '../config/model'
import type { CallOutcome } from '../events/call-flow-events'
import type { CallerMedia, CallEngine } from './ports'
import type { Timers } from './timers'
import type { Logger } from '../telemetry/logger'

/**
 * Where a call is: `entry` (being answered), `menu` (IVR), `queued` (waiting, or agents ringing),
 * `callback` (the caller hung up after asking to be called back; the call keeps its place),
 * `forwarding` (outside numbers are rung for it), `connected`, `voicemail`, `ended`.
 */
export type Phase = 'entry' | 'menu' | 'queued' | 'callback' | 'forwarding' | 'connected' | 'voicemail' | 'ended'

/** How a call ended, as its `call_ended` event says. */
export type Outcome = CallOutcome

/** The state of one call that every step reads and moves on. */
export class Call {
  readonly id: string
  phase: Phase = 'entry'
  queue: string
  /** An agent's answer is being taken: later answers are dropped, nothing plays to the caller. */
  answering = false
  /** The agent connected now; the last one connected. */
  agent?: string
  lastAgent?: string
  /** Set once the caller asked to be called back on this number. */
  callbackNumber?: string
  /** Was connected to an agent at some point. */
  wasAnswered = false
  /** Transferred by an agent to an outside number. */
  transferredOut = false
  /** Forwarded to an outside number that answered (overflow, out-of-hours forward, on-call). */
  forwarded?: { reason: string }
  /** Overflows from queue to queue so far: bounded, whatever the configuration. */
  hops = 0
  /** When the call reached the platform, was first answered, and the time spent connected (ms). */
  arrivedAt = 0
  firstAnsweredAt?: number
  connectedSince?: number
  talkMs = 0
  /** Set by whatever ends the call first: the `call_ended` outcome and reason. */
  end?: { outcome: Outcome; reason: string }
  readonly attributes: Record<string, string> = {}

  constructor(
    readonly tenant: Tenant,
    init: { id?: string; queue: string; presented: string; callerNumber?: string },
  ) {
    this.id = init.id ?? randomUUID()
    this.queue = init.queue
    this.presented = init.presented
    this.callerNumber = init.callerNumber
  }

  /** The number the platform presents when it calls out for this call (a DDI of the tenant). */
  readonly presented: string
  /** The caller's number as received. */
  readonly callerNumber: string | undefined

  get ended(): boolean {
    return this.phase === 'ended'
  }

  /** The caller waits in the queue: not ringing an agent, not connected, not ended. */
  get waiting(): boolean {
    return this.phase === 'queued' && !this.answering
  }

  queueConfig() {
    return this.tenant.queues.find((q) => q.id === this.queue)
  }
}

/** What a step working on the answered caller gets. */
export interface CallerContext {
  call: Call
  engine: CallEngine
  media: CallerMedia
  log: Logger
  timers: Timers
  /** Back to the queue's hold music (or ringback). */
  resumeHold(): void
}
