// What a final response to an INVITE the platform sent means, in one place for every leg.

/** Why a called party did not take the call. */
export type Refusal = 'busy' | 'declined' | 'no-answer' | 'unreachable'

/**
 * 486 Busy Here and 600 Busy Everywhere: busy; 603 Decline: declined; no answer within the ring
 * time (the platform's CANCEL, 487), 408 and 480: no answer; anything else (404, 488, 5xx, none):
 * unreachable.
 */
export function refusalOf(status: number | undefined, timedOut = false): Refusal {
  if (status === 486 || status === 600) return 'busy'
  if (status === 603) return 'declined'
  if (timedOut || status === 408 || status === 480 || status === 487) return 'no-answer'
  return 'unreachable'
}

/** The reason the engine records when an agent does not take an offer. */
export function agentRefusal(status: number | undefined): 'busy' | 'declined' | 'ring-timeout' | 'unreachable' {
  const r = refusalOf(status)
  return r === 'no-answer' ? 'ring-timeout' : r
}

/**
 * The outcome of an attempt to reach a customer (callbacks, campaigns), which decides the retry:
 * a customer who declined is retried like a busy one.
 */
export function attemptOutcome(status: number | undefined, timedOut: boolean): 'busy' | 'no-answer' | 'failed' {
  const r = refusalOf(status, timedOut)
  return r === 'busy' || r === 'declined' ? 'busy' : r === 'no-answer' ? 'no-answer' : 'failed'
}
