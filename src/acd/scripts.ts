import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type Redis from 'ioredis'

/**
 * The ACD's atomic steps, one Lua file each under ./lua, with lib.lua prepended. They are
 * registered with ioredis' defineCommand: called by EVALSHA, and loaded again by EVAL on
 * NOSCRIPT (after a Redis restart or SCRIPT FLUSH) without the caller noticing.
 */
export const SCRIPT_NAMES = ['enqueue', 'answer', 'no_answer', 'complete', 'abandon', 'login', 'logout', 'pause', 'unpause', 'tick', 'callback_request', 'callback_result', 'requalify'] as const
export type ScriptName = (typeof SCRIPT_NAMES)[number]

const LUA_DIR = join(__dirname, 'lua')

let sources: Map<ScriptName, string> | undefined

export function scriptSource(name: ScriptName): string {
  if (!sources) {
    const lib = readFileSync(join(LUA_DIR, 'lib.lua'), 'utf8')
    sources = new Map(SCRIPT_NAMES.map((n) => [n, `${lib}\n${readFileSync(join(LUA_DIR, `${n}.lua`), 'utf8')}`]))
  }
  return sources.get(name)!
}

export type ScriptCaller = (poolKey: string, ...args: (string | number)[]) => Promise<string>

const registered = new WeakSet<Redis>()

/** Defines every ACD script on a connection (once) and returns typed callers. */
export function acdScripts(redis: Redis): Record<ScriptName, ScriptCaller> {
  if (!registered.has(redis)) {
    for (const name of SCRIPT_NAMES) redis.defineCommand(`acd_${name}`, { numberOfKeys: 1, lua: scriptSource(name) })
    registered.add(redis)
  }
  const callers = {} as Record<ScriptName, ScriptCaller>
  for (const name of SCRIPT_NAMES) {
    const fn = (redis as unknown as Record<string, ScriptCaller>)[`acd_${name}`]!
    callers[name] = fn.bind(redis)
  }
  return callers
}
