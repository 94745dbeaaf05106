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
  const reason = `overflow-${why}`
  // a hop to another queue (the backup site's copy included) is bounded
  if (target.startsWith('queue:') || target === 'backup-site') {
    if (hops >= MAX_OVERFLOW_HOPS) return callerOnMedia ? { kind: 'voicemail', reason: 'overflow-hops' } : { kind: 'end', outcome: 'overflowed-out', reason: 'overflow-hops' }
    return target === 'backup-site' ? { kind: 'backup-site', reason, ...place } : { kind: 'queue', queue: target.slice('queue:'.length), ...place }
  }
  if (why === 'callback-expired') return { kind: 'end', outcome: 'callback-failed', reason: 'callback-expired' }
  if (target === 'callback') return { kind: 'callback' }
  if (target.startsWith('number:')) return { kind: 'number', number: target.slice('number:'.length), reason }
  if (target === 'voicemail' && callerOnMedia) return { kind: 'voicemail', reason }
  return { kind: 'end', outcome: 'overflowed-out', reason }
}
