/**
 * The kinds of value a history field holds, how each is written into a Redis Stream entry (every
 * value is a string there) and read back. The declarations of the events are in contract.ts.
 *
 *   string  text; with `values`, one of those codes
 *   int     integer, written in decimal ("3")
 *   ms      a duration in integer milliseconds ("40000")
 *   time    an instant, integer milliseconds since the epoch of the platform clock
 *   json    a JSON object of text values (call attributes: {"ddi":"+3312345"})
 *   list    comma-separated text, empty for none ("a1,a4"); items hold no comma
 *   flag    "yes" or "no"
 *
 * An optional field may be absent or empty (the Lua scripts write '' for "none"): it reads as
 * undefined, and the writer leaves it out.
 */
export type FieldKind = 'string' | 'int' | 'ms' | 'time' | 'json' | 'list' | 'flag'

export interface FieldSpec {
  readonly kind: FieldKind
  /** What the field says, for readers of the contract. */
  readonly doc: string
  readonly optional?: boolean
  /** A closed set of codes (kind string only). */
  readonly values?: readonly string[]
}

/** The TypeScript type a field reads as. */
export type FieldValue<F extends FieldSpec> = F extends { kind: 'string'; values: readonly (infer V)[] }
  ? V
  : F['kind'] extends 'string'
    ? string
    : F['kind'] extends 'int' | 'ms' | 'time'
      ? number
      : F['kind'] extends 'json'
        ? Record<string, string>
        : F['kind'] extends 'list'
          ? string[]
          : F['kind'] extends 'flag'
            ? boolean
            : never

/** A value that does not fit its field; `decodeField` / `encodeField` throw it with what was wrong. */
export class FieldError extends Error {}

const INTEGER = /^-?(0|[1-9][0-9]*)$/

function integer(raw: string, what: string): number {
  const n = Number(raw)
  if (!INTEGER.test(raw) || !Number.isSafeInteger(n)) throw new FieldError(`must be ${what}, got ${JSON.stringify(raw)}`)
  return n
}

const KIND_WORDS: Record<FieldKind, string> = {
  string: 'text',
  int: 'an integer',
  ms: 'an integer number of milliseconds',
  time: 'a time in milliseconds since the epoch',
  json: 'a JSON object of text values',
  list: 'a comma-separated list',
  flag: 'yes or no',
}

function textMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
}

/** Reads a field's stored text (empty text is a list of none; other empty fields are the caller's). */
export function decodeField(spec: FieldSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'string':
      if (spec.values && !spec.values.includes(raw)) throw new FieldError(`must be one of ${spec.values.join(', ')}, got ${JSON.stringify(raw)}`)
      return raw
    case 'int':
    case 'ms':
      return integer(raw, KIND_WORDS[spec.kind])
    case 'time': {
      const n = integer(raw, KIND_WORDS.time)
      if (n < 0) throw new FieldError(`must be ${KIND_WORDS.time}, got ${JSON.stringify(raw)}`)
      return n
    }
    case 'json': {
      let value: unknown
      try {
        value = JSON.parse(raw)
      } catch {
        throw new FieldError(`must be ${KIND_WORDS.json}, got text that is not JSON: ${JSON.stringify(raw.slice(0, 80))}`)
      }
      if (!textMap(value)) throw new FieldError(`must be ${KIND_WORDS.json}, got ${JSON.stringify(raw.slice(0, 80))}`)
      return value
    }
    case 'list':
      return raw === '' ? [] : raw.split(',')
    case 'flag':
      if (raw !== 'yes' && raw !== 'no') throw new FieldError(`must be yes or no, got ${JSON.stringify(raw)}`)
      return raw === 'yes'
  }
}

/** Writes a field's value as stored text; refuses a value of the wrong kind. */
export function encodeField(spec: FieldSpec, value: unknown): string {
  const wrong = (): never => {
    throw new FieldError(`must be ${spec.values ? `one of ${spec.values.join(', ')}` : KIND_WORDS[spec.kind]}, got ${JSON.stringify(value)}`)
  }
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string' || (spec.values && !spec.values.includes(value))) return wrong()
      return value
    case 'int':
    case 'ms':
    case 'time':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || (spec.kind === 'time' && value < 0)) return wrong()
      return String(value)
    case 'json':
      if (!textMap(value)) return wrong()
      return JSON.stringify(value)
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '' && !v.includes(','))) return wrong()
      return value.join(',')
    case 'flag':
      if (typeof value !== 'boolean') return wrong()
      return value ? 'yes' : 'no'
  }
}
