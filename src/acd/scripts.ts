import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import type { RedisLike } from '../redis/connect'
import { luaKeyExpression } from './keys'

/**
 * The ACD's atomic steps, one Lua file each under ./lua. A script takes the shared Lua it needs
 * with `--- @include "includes/<name>"` lines (a path relative to the including file, `.lua`
 * optional): the loader puts each included file in place of its first include line (every file
 * once, however often it is included, directly or not) and fails on an unknown file, a cycle or
 * a malformed include line. No script spells a key: it names it, `K.<name>(parameters)`, and the
 * loader writes in its place the key's expression made from the key layout (keys.ts), on the
 * pool prefix `P` (KEYS[1]); an unknown key or a wrong number of parameters fails the load.
 * (Expressions rather than builder functions: Redis runs a script's whole chunk at every call,
 * and a function per key would be made again at every call.)
 *
 * Scripts are registered with ioredis' defineCommand: called by EVALSHA, and loaded again by EVAL
 * on NOSCRIPT (after a Redis restart or SCRIPT FLUSH) without the caller noticing. Every script
 * takes one key, the pool prefix `acd:{<pool>}`: all the keys it touches sit in that hash slot.
 */
export const SCRIPT_NAMES = ['enqueue', 'answer', 'no_answer', 'complete', 'abandon', 'login', 'logout', 'pause', 'unpause', 'tick', 'callback_request', 'callback_result', 'requalify', 'recover_instance', 'overflow_queue', 'site_switch', 'restore_call', 'supervise'] as const
export type ScriptName = (typeof SCRIPT_NAMES)[number]

export const ACD_LUA_DIR = join(__dirname, 'lua')
const SRC_DIR = join(__dirname, '..')

const INCLUDE_LINE = /^-{2,3}[ \t]*@include[ \t]+(["'])([^"']+)\1[ \t;]*$/

export class ScriptLoadError extends Error {
  override name = 'ScriptLoadError'
}

/** A script's source with its includes resolved and its keys expanded, and the files it took. */
export function resolveIncludes(file: string): { source: string; files: string[] } {
  const done = new Set<string>()
  const files: string[] = []
  const expand = (path: string, chain: string[]): string => {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch {
      const from = chain.at(-1)
      throw new ScriptLoadError(`unknown include ${relative(process.cwd(), path)}${from ? ` (included by ${relative(process.cwd(), from)})` : ''}`)
    }
    done.add(path)
    files.push(path)
    try {
      text = expandKeys(text)
    } catch (err) {
      throw new ScriptLoadError(`${relative(process.cwd(), path)}:${(err as Error).message}`)
    }
    const out: string[] = [`-- ${relative(SRC_DIR, path)}`]
    text.split('\n').forEach((line, i) => {
      if (!line.includes('@include')) {
        out.push(line)
        return
      }
      const m = INCLUDE_LINE.exec(line.trim())
      const where = `${relative(process.cwd(), path)}:${i + 1}`
      if (!m) throw new ScriptLoadError(`malformed include line at ${where}: ${line.trim()}`)
      const target = resolve(dirname(path), m[2]!.endsWith('.lua') ? m[2]! : `${m[2]}.lua`)
      if (chain.includes(target) || target === path) {
        throw new ScriptLoadError(`include cycle at ${where}: ${[...chain, path, target].map((f) => relative(process.cwd(), f)).join(' -> ')}`)
      }
      if (!done.has(target)) out.push(expand(target, [...chain, path]))
    })
    return out.join('\n')
  }
  return { source: expand(resolve(file), []), files }
}

/** Where the comment or string starting at `i` ends (i itself when none starts there). */
function skipNonCode(src: string, i: number): number {
  const long = (at: number) => /^\[(=*)\[/.exec(src.slice(at, at + 64))
  if (src.startsWith('--', i)) {
    const open = long(i + 2)
    if (open) {
      const close = src.indexOf(`]${open[1]}]`, i)
      return close < 0 ? src.length : close + open[1]!.length + 2
    }
    const nl = src.indexOf('\n', i)
    return nl < 0 ? src.length : nl
  }
  const q = src[i]
  if (q === "'" || q === '"') {
    let j = i + 1
    while (j < src.length && src[j] !== q && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1
    return j + 1
  }
  const open = q === '[' ? long(i) : null
  if (open) {
    const close = src.indexOf(`]${open[1]}]`, i)
    return close < 0 ? src.length : close + open[1]!.length + 2
  }
  return i
}

/** The arguments of the call whose `(` is at `open`, and the index after its `)`. */
function callArguments(src: string, open: number): { args: string[]; end: number } {
  const args: string[] = []
  let depth = 0
  let start = open + 1
  let i = open + 1
  while (i < src.length) {
    const skip = skipNonCode(src, i)
    if (skip !== i) {
      i = skip
      continue
    }
    const ch = src[i]!
    if (ch === '(' || ch === '{' || ch === '[') depth++
    else if (ch === ')' && depth === 0) {
      const last = src.slice(start, i)
      if (last.trim() !== '' || args.length > 0) args.push(last)
      return { args, end: i + 1 }
    } else if (ch === ')' || ch === '}' || ch === ']') depth--
    else if (ch === ',' && depth === 0) {
      args.push(src.slice(start, i))
      start = i + 1
    }
    i++
  }
  throw new Error(`unclosed call at offset ${open}`)
}

/** The source with every `K.<name>(...)` of its code replaced by the key's expression. */
export function expandKeys(src: string): string {
  let out = ''
  let i = 0
  while (i < src.length) {
    const skip = skipNonCode(src, i)
    if (skip !== i) {
      out += src.slice(i, skip)
      i = skip
      continue
    }
    const m = /^K\.([A-Za-z_]\w*)\s*/.exec(src.slice(i, i + 80))
    if (m && !/[\w.:]/.test(src[i - 1] ?? '')) {
      const line = src.slice(0, i).split('\n').length
      if (src[i + m[0].length] !== '(') throw new Error(`${line}: K.${m[1]} is not called: a key is named K.<name>(parameters)`)
      const { args, end } = callArguments(src, i + m[0].length)
      try {
        out += luaKeyExpression(m[1]!, args.map(expandKeys))
      } catch (err) {
        throw new Error(`${line}: ${(err as Error).message.replace(/^\d+: /, '')}`)
      }
      i = end
      continue
    }
    out += src[i]
    i++
  }
  return out
}

const assembled = new Map<string, string>()

/** A script ready for Redis: the pool prefix `P`, then its source with includes resolved. */
export function assembleScript(file: string): string {
  const path = resolve(file)
  let lua = assembled.get(path)
  if (lua === undefined) {
    lua = `local P = KEYS[1]\n${resolveIncludes(path).source}\n`
    assembled.set(path, lua)
  }
  return lua
}

export function scriptSource(name: ScriptName): string {
  return assembleScript(join(ACD_LUA_DIR, `${name}.lua`))
}

export type ScriptCaller<R = string> = (poolKey: string, ...args: (string | number)[]) => Promise<R>

const defined = new WeakMap<RedisLike, Set<string>>()

/**
 * Defines the scripts `names` of `dir` on a connection (once per connection) as commands
 * `<prefix>_<name>` taking one key (the pool prefix), and returns their callers.
 */
export function defineScripts<N extends string, R = string>(redis: RedisLike, prefix: string, dir: string, names: readonly N[]): Record<N, ScriptCaller<R>> {
  let done = defined.get(redis)
  if (!done) defined.set(redis, (done = new Set()))
  const callers = {} as Record<N, ScriptCaller<R>>
  for (const name of names) {
    const command = `${prefix}_${name}`
    if (!done.has(command)) {
      redis.defineCommand(command, { numberOfKeys: 1, lua: assembleScript(join(dir, `${name}.lua`)) })
      done.add(command)
    }
    callers[name] = (redis as unknown as Record<string, ScriptCaller<R>>)[command]!.bind(redis)
  }
  return callers
}

/** Defines every ACD script on a connection (once) and returns typed callers. */
export function acdScripts(redis: RedisLike): Record<ScriptName, ScriptCaller> {
  return defineScripts(redis, 'acd', ACD_LUA_DIR, SCRIPT_NAMES)
}
