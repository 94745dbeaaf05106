import type { Queue } from '../config/model'

/** The call's priority in a queue: the highest matching rule, else the queue's default. */
export function priorityFor(queue: Queue, attributes: Record<string, string>): number {
  let priority = queue.defaultPriority
  let matched = false
  for (const rule of queue.priorityRules) {
    if (Object.entries(rule.when).every(([k, v]) => attributes[k] === v)) {
      priority = matched ? Math.max(priority, rule.priority) : rule.priority
      matched = true
    }
  }
  return priority
}
