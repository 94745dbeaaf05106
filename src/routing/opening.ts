import type { Queue } from '../config/model'

export type QueueStatus = { open: true } | { open: false; action: Queue['whenClosed']; reason: string }

/**
 * Whether a queue takes calls at `at`, and what a caller gets when it does not. Today a queue is
 * closed by its configuration (`closed: true`); opening hours per tenant time zone will decide here.
 */
export function queueStatus(queue: Queue, _at: Date = new Date()): QueueStatus {
  if (queue.closed) return { open: false, action: queue.whenClosed, reason: 'closed' }
  return { open: true }
}
