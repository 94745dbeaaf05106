/** The routing part of the platform model: overflow rules and their targets, out-of-hours handling, on-call rotas. */

/** Where an overflowing call goes. Never outside its tenant: a queue of the same tenant, or a number called on its trunk. */
export type OverflowTarget =
  | { kind: 'queue'; queue: string }
  | { kind: 'voicemail' }
  | { kind: 'hangup' }
  /** the queue's callback offer is played at once; the call keeps its place */
  | { kind: 'callback' }
  /** an outside number (a backup contact centre) through the tenant's outbound trunk */
  | { kind: 'number'; number: string }
  /** the backup copy of the queue at the DDI's backup site */
  | { kind: 'backup-site' }

/** When an overflow rule applies (see README, "Overflow rules"). */
export type OverflowCondition =
  | { kind: 'waited'; seconds: number }
  | { kind: 'waiting'; atLeast: number }
  | { kind: 'no-agents' }
  | { kind: 'estimated-wait'; seconds: number }
  | { kind: 'closed' }

export interface OverflowRule {
  when: OverflowCondition
  to: OverflowTarget
}

/** What a DDI does when it is closed: a message, voicemail, hang up, a forward, or the on-call rota. */
export type ClosedHandling =
  | { kind: 'message' }
  | { kind: 'voicemail' }
  | { kind: 'hangup' }
  | { kind: 'forward'; number: string }
  | { kind: 'on-call'; rota: string }

export interface Technician {
  id: string
  name: string
  /** E.164, reached through the tenant's outbound trunk */
  number: string
}

/**
 * A weekly on-call rota: one technician per week in list order, handing over at a day and time
 * of the tenant's zone; the week that contains `starts` is the first technician's.
 */
export interface OnCallRota {
  id: string
  /** ISO weekday 1 (Monday) .. 7, and minutes after midnight */
  handover: { weekday: number; minutes: number }
  /** ISO date (yyyy-mm-dd) in the first technician's week */
  starts: string
  ringSeconds: number
  technicians: Technician[]
  /** Per-date swaps: from `from` to `to` (whole days, inclusive) this technician is on duty. */
  swaps: { from: string; to: string; technician: string }[]
  /** When no technician answers. */
  fallback: 'voicemail' | 'message'
}
