import { keys } from '../../src/acd/keys'
import type { RedisLike } from '../../src/redis/connect'
import type { OpKind, OpRecord } from './ha-stream'

/**
 * A time range (ms) in which the operations the ACD acknowledged may be lost, or applied though
 * the caller saw them fail or refused: from just before the last writes known to be replicated
 * (the fence) to the moment every connection reached the new master.
 */
export interface LossWindow {
  from: number
  to: number
}

/** Whether the operation overlaps a loss window (sent before it ended, answered after it began). */
export const exposed = (op: OpRecord, windows: LossWindow[]): boolean => windows.some((w) => op.end >= w.from && op.start <= w.to)

type Row = Record<string, string>

/** The events of each tenant, read from its stream. */
export async function readEvents(redis: RedisLike, pools: Map<string, string>): Promise<Row[]> {
  const rows: Row[] = []
  for (const [tenant, pool] of pools) {
    for (const [, f] of await redis.xrange(keys.events(pool, tenant), '-', '+')) {
      rows.push(Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]!]]))) as Row)
    }
  }
  return rows
}

/**
 * The events operations leave in their tenant's history: which events, the operations that make
 * them (hangups, the drain's, may or may not: their call may be gone), and how an event names
 * its operation (call, agent; and its `ts`, the engine's clock while the operation ran).
 */
const EVIDENCE: { event: (e: Row) => boolean; kinds: OpKind[]; matches: (op: OpRecord, e: Row) => boolean }[] = [
  { event: (e) => e['type'] === 'enqueued', kinds: ['enqueue'], matches: (op, e) => e['call'] === op.call },
  { event: (e) => e['type'] === 'connected', kinds: ['answer'], matches: (op, e) => e['call'] === op.call && e['agent'] === op.agent },
  { event: (e) => e['type'] === 'completed', kinds: ['complete', 'hangup'], matches: (op, e) => e['call'] === op.call },
  { event: (e) => e['type'] === 'abandoned', kinds: ['abandon', 'hangup'], matches: (op, e) => e['call'] === op.call },
  { event: (e) => e['type'] === 'returned' && (e['reason'] === 'busy' || e['reason'] === 'declined'), kinds: ['no_answer'], matches: (op, e) => e['call'] === op.call && e['agent'] === op.agent },
  { event: (e) => e['type'] === 'callback_requested', kinds: ['callback_request'], matches: (op, e) => e['call'] === op.call },
  {
    event: (e) => e['type'] === 'callback_connected' || (e['type'] === 'callback_failed' && e['outcome'] !== 'expired'),
    kinds: ['callback_result'],
    matches: (op, e) => e['call'] === op.call,
  },
  { event: (e) => e['type'] === 'agent_state' && e['from'] === 'logged-out', kinds: ['login'], matches: (op, e) => e['agent'] === op.agent },
  { event: (e) => e['type'] === 'agent_state' && e['to'] === 'logged-out', kinds: ['logout'], matches: (op, e) => e['agent'] === op.agent },
]

const TERMINAL = (e: Row) => e['type'] === 'completed' || e['type'] === 'abandoned' || e['type'] === 'overflowed' || (e['type'] === 'callback_failed' && e['final'] === 'yes')

const during = (op: OpRecord, e: Row) => Number(e['ts']) >= op.start && Number(e['ts']) <= op.end

export interface LedgerReport {
  /** broken guarantees: empty when the ledger holds */
  problems: string[]
  /** acknowledged operations, inside a loss window, whose effect is not in the history */
  lostInWindow: OpRecord[]
  /** operations the caller saw refused or failed, inside a loss window, whose effect is there */
  appliedDespiteFailure: number
  acknowledged: number
}

/**
 * Checks the operations against the tenants' histories (read after the stream was drained):
 * - every operation acknowledged outside the loss windows left its event (none lost), unless an
 *   earlier operation on its call was exposed to a window (it then meets what that loss left);
 * - no effect is there more often than operations were sent that could make it (none applied
 *   twice): each event is matched to one operation (same call or agent, the event's `ts` within
 *   the operation's time) that was acknowledged, or refused or failed inside a loss window (a
 *   command sent again after a reconnection);
 * - every call that entered the ACD left it exactly once, and none entered twice.
 */
export function checkLedger(ops: OpRecord[], events: Row[], windows: LossWindow[]): LedgerReport {
  const problems: string[] = []
  const lostInWindow: OpRecord[] = []
  let appliedDespiteFailure = 0
  const describe = (op: OpRecord) => `${op.kind} ${op.tenant ?? ''}/${op.call ?? op.agent ?? ''} (${op.outcome}${op.code ? ` ${op.code}` : ''})`
  // a call one of whose operations was exposed to a loss window: a later operation on it may find
  // the call as the lost one left it (a completion of an answer that was lost is a no-op), a
  // consequence of that loss rather than a loss of its own
  const touched = new Set(ops.filter((o) => o.call && exposed(o, windows)).map((o) => `${o.tenant}/${o.call}`))
  const afterLoss = (op: OpRecord) => op.call !== undefined && touched.has(`${op.tenant}/${op.call}`)
  for (const group of EVIDENCE) {
    const sent = ops.filter((op) => group.kinds.includes(op.kind))
    const evidence = events.filter(group.event)
    const used = new Set<Row>()
    const find = (op: OpRecord) => evidence.find((e) => !used.has(e) && during(op, e) && group.matches(op, e))
    // the acknowledged operations first: each must have left its event
    for (const op of sent.filter((o) => o.outcome === 'ok' && o.kind !== 'hangup')) {
      const e = find(op)
      if (e) used.add(e)
      else if (op.kind === 'abandon' && !op.found) continue
      else if (exposed(op, windows) || afterLoss(op)) lostInWindow.push(op)
      else problems.push(`${describe(op)} acknowledged at ${op.end} but not in the history`)
    }
    // then the others may explain what is left: a hangup, or an operation whose reply was lost
    for (const op of sent.filter((o) => o.outcome !== 'ok' || o.kind === 'hangup')) {
      const e = find(op)
      if (!e) continue
      used.add(e)
      if (op.outcome === 'ok') continue
      if (exposed(op, windows)) appliedDespiteFailure++
      else problems.push(`${describe(op)} was applied though it failed outside a loss window`)
    }
    for (const e of evidence.filter((x) => !used.has(x)).slice(0, 5)) problems.push(`${e['type']} ${e['tenant']}/${e['call'] ?? e['agent']} at ${e['ts']}: applied without an operation to make it (twice?)`)
  }
  const perCall = new Map<string, { entered: number; left: number }>()
  for (const e of events) {
    if (!e['call']) continue
    const ref = `${e['tenant']}/${e['call']}`
    const c = perCall.get(ref) ?? { entered: 0, left: 0 }
    if (e['type'] === 'enqueued') c.entered++
    if (TERMINAL(e)) c.left++
    perCall.set(ref, c)
  }
  for (const [ref, c] of perCall) {
    if (c.entered > 1) problems.push(`call ${ref} entered the ACD ${c.entered} times`)
    if (c.left !== c.entered) problems.push(`call ${ref} entered ${c.entered} and left ${c.left} times`)
  }
  return { problems, lostInWindow, appliedDespiteFailure, acknowledged: ops.filter((o) => o.outcome === 'ok').length }
}
