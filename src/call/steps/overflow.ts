import type { Notice } from '../../acd/types'
import type { Outcome } from '../call'

type OverflowNotice = Extract<Notice, { type: 'overflow' }>

export type OverflowStep =
  | { kind: 'queue'; queue: string; keepPlace?: { seq: string; enqueuedAt: number }; priority?: number }
  | { kind: 'voicemail'; reason: string }
  /** the call keeps its place: its caller hears the callback offer now */
  | { kind: 'callback' }
  | { kind: 'number'; number: string; reason: string }
  /** the copy of the call's queue at the backup site, keeping the place */
  | { kind: 'backup-site'; reason: string; keepPlace?: { seq: string; enqueuedAt: number }; priority?: number }
  | { kind: 'end'; outcome: Outcome; reason: string }

/** Queue-to-queue overflows one call may make, whatever the configuration (loops are refused at load). */
export const MAX_OVERFLOW_HOPS = 5

/**
 * What an overflow from the engine means for the call: another queue of the tenant (keeping its
 * place and priority), voicemail when the caller is on media, the callback offer, an outside
 * number, the end of a callback that expired, or the end of the call (the overflow leads out of
 * the queue). A call that has hopped between queues too often goes to voicemail (or ends).
 */
export function overflowStep(n: OverflowNotice, callerOnMedia: boolean, hops = 0): OverflowStep {
  return stepTo(n.target, n.reason, callerOnMedia, hops, { keepPlace: { seq: n.seq, enqueuedAt: n.enqueuedAt }, priority: n.priority })
}

/** The step for an overflow target code (see overflowTargetCode) and the rule's reason. */
export function stepTo(target: string, why: string, callerOnMedia: boolean, hops: number, place: { keepPlace?: { seq: string; enqueuedAt: number }; priority?: number } = {}): OverflowStep {
  const n = { target, reason: why }
  const reason = `overflow-${n.reason}`
  if (n.target.startsWith('queue:')) {
    if (hops >= MAX_OVERFLOW_HOPS) return callerOnMedia ? { kind: 'voicemail', reason: 'overflow-hops' } : { kind: 'end', outcome: 'overflowed-out', reason: 'overflow-hops' }
    return { kind: 'queue', queue: n.target.slice('queue:'.length), ...place }
  }
  if (n.reason === 'callback-expired') return { kind: 'end', outcome: 'callback-failed', reason: 'callback-expired' }
  if (n.target === 'callback') return { kind: 'callback' }
  if (n.target === 'backup-site') return { kind: 'backup-site', reason, ...place }
  if (n.target.startsWith('number:')) return { kind: 'number', number: n.target.slice('number:'.length), reason }
  if (n.target === 'voicemail' && callerOnMedia) return { kind: 'voicemail', reason }
  return { kind: 'end', outcome: 'overflowed-out', reason }
}
