import type { Notice } from '../../acd/types'
import type { Outcome } from '../call'

type OverflowNotice = Extract<Notice, { type: 'overflow' }>

export type OverflowStep =
  | { kind: 'queue'; queue: string; keepPlace: { seq: string; enqueuedAt: number }; priority?: number }
  | { kind: 'voicemail'; reason: string }
  | { kind: 'end'; outcome: Outcome; reason: string }

/**
 * What an overflow from the engine means for the call: another queue of the tenant (keeping its
 * place and priority), voicemail when the caller is on media, the end of a callback that expired,
 * or the end of the call (the overflow leads out of the queue).
 */
export function overflowStep(n: OverflowNotice, callerOnMedia: boolean): OverflowStep {
  if (n.target.startsWith('queue:')) return { kind: 'queue', queue: n.target.slice('queue:'.length), keepPlace: { seq: n.seq, enqueuedAt: n.enqueuedAt }, priority: n.priority }
  if (n.reason === 'callback-expired') return { kind: 'end', outcome: 'callback-failed', reason: 'callback-expired' }
  if (n.target === 'voicemail' && callerOnMedia) return { kind: 'voicemail', reason: `overflow-${n.reason}` }
  return { kind: 'end', outcome: 'overflowed-out', reason: `overflow-${n.reason}` }
}
