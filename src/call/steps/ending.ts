import type { CallFlowEvent } from '../../events/contract'
import type { Logger } from '../../telemetry/logger'
import type { Call, Outcome, Phase } from '../call'
import type { FlowDeps } from '../ports'

export type EndedBy = 'caller' | 'agent' | 'system'

/**
 * How a call ended, from where it was when it ended, unless a step already said (`call.end`):
 * connected → answered; waiting or ringing → abandoned when the caller hung up; voicemail →
 * voicemail; a caller transferred to an outside number → transferred-out.
 */
export function endingOf(call: Call, phase: Phase, by: EndedBy): { outcome: Outcome; reason: string } {
  if (call.end) return call.end
  const reason = `${by}-hangup`
  if (call.transferredOut) return { outcome: 'transferred-out', reason }
  if (call.forwarded) return { outcome: call.forwarded.reason === 'on-call' ? 'on-call' : 'forwarded', reason }
  if (phase === 'connected') return { outcome: 'answered', reason }
  if (phase === 'voicemail') return { outcome: 'voicemail', reason: 'voicemail' }
  if (phase === 'callback') return { outcome: 'callback-failed', reason }
  if (by === 'caller') return { outcome: 'abandoned', reason: phase === 'menu' ? 'caller-hangup-in-ivr' : reason }
  return { outcome: 'failed', reason }
}

/** Connected time is counted from each answer to the next transfer or the end. */
export function stopTalkClock(call: Call, now: number): void {
  if (call.connectedSince === undefined) return
  call.talkMs += Math.max(0, now - call.connectedSince)
  call.connectedSince = undefined
}

/** The call's `call_ended` event, with its wait, talk and total times. */
export function callEnded(call: Call, ending: { outcome: Outcome; reason: string }, by: EndedBy, now: number): CallFlowEvent {
  stopTalkClock(call, now)
  const arrived = call.arrivedAt || now
  return {
    type: 'call_ended',
    call: call.id,
    queue: call.queue || undefined,
    outcome: ending.outcome,
    reason: ending.reason,
    ended_by: by,
    agent: call.lastAgent,
    wait_ms: Math.max(0, (call.firstAnsweredAt ?? now) - arrived),
    talk_ms: call.firstAnsweredAt !== undefined ? call.talkMs : undefined,
    duration_ms: Math.max(0, now - arrived),
  }
}

/**
 * The engine told of the end: the call leaves the ACD (its agent to wrap-up), then its
 * `call_ended` goes into the history. What fails for want of Redis is kept to tell again; what
 * succeeded is kept a while too, to be told again if a Redis failover undid it (service/end-journal).
 */
export async function tellTheEnd(deps: Pick<FlowDeps, 'engine' | 'deferred' | 'ends'>, log: Logger, call: Call, by: EndedBy, event: CallFlowEvent): Promise<void> {
  const ops = [() => deps.engine.hangup(call.tenant.id, call.id, by), () => deps.engine.record(call.tenant.id, event)]
  for (const op of ops) {
    await op().catch((err: unknown) => {
      log.error({ err }, 'the engine could not be told of the end of the call: kept to tell again')
      deps.deferred?.add(`end of call ${call.id}`, op)
    })
  }
  // kept a while: a Redis failover can undo what its old master acknowledged last
  deps.ends?.told({ tenant: call.tenant.id, call: call.id, by, event, trunk: call.attributes['trunk'] })
}
