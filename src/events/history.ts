import type { RedisLike } from '../redis/connect'
import { keys } from '../acd/keys'
import { EventContractError, parseEvent } from './codec'
import type { AcdEventOf, EventType } from './contract'

/** The stream keeps about this many entries per tenant (XADD MAXLEN ~, as the Lua scripts do). */
export const HISTORY_MAX_LEN = 100_000

/** A history entry with its stream id ("<ms>-<seq>", Redis' clock at the append). */
export type HistoryEvent<T extends EventType = EventType> = AcdEventOf<T> & { id: string }

export interface HistoryQuery<T extends EventType = EventType> {
  /**
   * The range, inclusive, in stream ids or in milliseconds of Redis' clock at the append (the
   * id's first part): not the `ts` of the events, which is the platform clock. Default: all.
   */
  start?: string | number
  end?: string | number
  /** At most this many events, counted after the filters. */
  count?: number
  /** Only this call's events (agent_state events name no call). */
  call?: string
  /** Only these types. */
  types?: readonly T[]
  /** Newest first. */
  reverse?: boolean
  /**
   * Told each entry that breaks the contract, which is then skipped. Without it such an entry
   * makes readHistory throw its EventContractError.
   */
  onInvalid?: (err: EventContractError, id: string) => void
}

const PAGE = 500

type Id = { ms: bigint; seq: bigint }
const MAX_SEQ = 2n ** 64n - 1n

function parseId(id: string): Id {
  const [ms, seq] = id.split('-')
  return { ms: BigInt(ms!), seq: BigInt(seq ?? '0') }
}

/** The id just after (forward) or just before (reverse) `id`: where the next page starts. */
function beyond(id: string, reverse: boolean): string | undefined {
  const { ms, seq } = parseId(id)
  if (!reverse) return seq < MAX_SEQ ? `${ms}-${seq + 1n}` : `${ms + 1n}-0`
  if (seq > 0n) return `${ms}-${seq - 1n}`
  return ms > 0n ? `${ms - 1n}-${MAX_SEQ}` : undefined
}

/**
 * Reads a tenant's history as typed events, oldest first (or newest first with `reverse`), a
 * page of XRANGE at a time until `count` events passed the filters or the range is done.
 */
export async function readHistory<T extends EventType = EventType>(
  redis: RedisLike,
  pool: string,
  tenant: string,
  opts: HistoryQuery<T> = {},
): Promise<HistoryEvent<T>[]> {
  const key = keys.events(pool, tenant)
  const types = opts.types ? new Set<string>(opts.types) : undefined
  const filtered = types !== undefined || opts.call !== undefined
  const want = opts.count ?? Infinity
  if (want <= 0) return []
  const page = !filtered && want < PAGE ? want : PAGE
  const reverse = opts.reverse === true
  let from = opts.start === undefined ? '-' : String(opts.start)
  let to = opts.end === undefined ? '+' : String(opts.end)
  const out: HistoryEvent<T>[] = []
  while (out.length < want) {
    const rows = reverse ? await redis.xrevrange(key, to, from, 'COUNT', page) : await redis.xrange(key, from, to, 'COUNT', page)
    for (const [id, fields] of rows) {
      let event
      try {
        event = parseEvent(fields, id)
      } catch (err) {
        if (err instanceof EventContractError && opts.onInvalid) {
          opts.onInvalid(err, id)
          continue
        }
        throw err
      }
      if (types && !types.has(event.type)) continue
      if (opts.call !== undefined && !('call' in event && event.call === opts.call)) continue
      out.push({ ...event, id } as HistoryEvent<T>)
      if (out.length >= want) break
    }
    if (rows.length < page) break
    const next = beyond(rows[rows.length - 1]![0], reverse)
    if (next === undefined) break
    if (reverse) to = next
    else from = next
  }
  return out
}
