import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * Just enough of a Lua (and TypeScript) scanner to find the events the sources write: calls by
 * name, their arguments split at top-level commas, string literals. Comments are blanked out.
 */

export const ROOT = join(__dirname, '..', '..')

/** Files under `dir` (recursively) whose name ends with `ext`, relative to the repository. */
export function sourceFiles(dir: string, ext: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (name.endsWith(ext)) out.push(relative(ROOT, p))
    }
  }
  walk(join(ROOT, dir))
  return out
}

export const readSource = (file: string): string => readFileSync(join(ROOT, file), 'utf8')

/** Skips a quoted string starting at i (the quote); returns the index after it. */
function skipString(src: string, i: number): number {
  const q = src[i]
  for (let j = i + 1; j < src.length; j++) {
    if (src[j] === '\\') j++
    else if (src[j] === q) return j + 1
  }
  return src.length
}

/** Lua source with its comments replaced by spaces (strings kept, offsets kept). */
export function stripLuaComments(src: string): string {
  let out = ''
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (c === "'" || c === '"') {
      const end = skipString(src, i)
      out += src.slice(i, end)
      i = end
    } else if (src.startsWith('--', i)) {
      const long = /^--\[(=*)\[/.exec(src.slice(i, i + 64))
      const end = long ? src.indexOf(`]${long[1]}]`, i) + long[1]!.length + 2 : src.indexOf('\n', i)
      const stop = end < i + 2 ? src.length : end
      out += src.slice(i, stop).replace(/[^\n]/g, ' ')
      i = stop
    } else {
      out += c
      i++
    }
  }
  return out
}

const OPEN: Record<string, string> = { '(': ')', '{': '}', '[': ']' }

/** The text from `open` (an opening bracket at i) to its closing bracket, both excluded. */
export function bracketed(src: string, i: number): string {
  const stack: string[] = []
  for (let j = i; j < src.length; j++) {
    const c = src[j]!
    if (c === "'" || c === '"' || c === '`') j = skipString(src, j) - 1
    else if (OPEN[c]) stack.push(OPEN[c]!)
    else if (c === stack[stack.length - 1]) {
      stack.pop()
      if (stack.length === 0) return src.slice(i + 1, j)
    }
  }
  throw new Error(`unbalanced brackets from offset ${i}`)
}

/** Splits at commas outside brackets and strings; trims; drops a trailing empty part. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let j = 0; j < text.length; j++) {
    const c = text[j]!
    if (c === "'" || c === '"' || c === '`') j = skipString(text, j) - 1
    else if (OPEN[c]) depth++
    else if (c === ')' || c === '}' || c === ']') depth--
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, j).trim())
      start = j + 1
    }
  }
  parts.push(text.slice(start).trim())
  return parts.length && parts[parts.length - 1] === '' ? parts.slice(0, -1) : parts
}

/** The value of a plain string literal ('x' or "x", no escapes), else undefined. */
export function literal(expr: string): string | undefined {
  const m = /^(?:'([^'\\]*)'|"([^"\\]*)")$/.exec(expr.trim())
  return m ? (m[1] ?? m[2]) : undefined
}

export interface Call {
  file: string
  line: number
  args: string[]
}

/**
 * Calls of `name(` (or `.name(` when `method`) in `src`, not its definition (`function name(`).
 * With `method`, only `x.name(` counts; without, a name preceded by `.`/`:` is another function.
 */
export function findCalls(file: string, src: string, name: string, method = false): Call[] {
  const calls: Call[] = []
  const re = new RegExp(`([\\w.:]?)\\b${name}\\s*\\(`, 'g')
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const before = m[1] ?? ''
    if (method ? before !== '.' : before !== '') continue
    if (/function\s+$/.test(src.slice(Math.max(0, m.index - 12), m.index + before.length))) continue
    const open = m.index + m[0].length - 1
    calls.push({ file, line: src.slice(0, m.index).split('\n').length, args: splitTopLevel(bracketed(src, open)) })
  }
  return calls
}
