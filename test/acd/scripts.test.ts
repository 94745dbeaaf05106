import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import t, { type Test } from 'tap'
import { keys } from '../../src/acd/keys'
import { ACD_LUA_DIR, assembleScript, resolveIncludes, SCRIPT_NAMES } from '../../src/acd/scripts'
import { TRUNK_LUA_DIR, TRUNK_SCRIPT_NAMES } from '../../src/trunks/channels'
import { engineFixture } from '../helpers/engine'
import { withRedis } from '../helpers/redis'

const INCLUDES_DIR = join(ACD_LUA_DIR, 'includes')
const luaFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.lua')).map((f) => join(dir, f))
const scripts = [...luaFiles(ACD_LUA_DIR), ...luaFiles(TRUNK_LUA_DIR)]
const includes = luaFiles(INCLUDES_DIR)
const short = (f: string) => f.slice(f.indexOf('/src/') + 1)

/** Lua without its comments (block comments first, then line comments). */
const code = (lua: string) => lua.replace(/--\[\[[\s\S]*?\]\]/g, '').replace(/--.*$/gm, '')
const header = (lua: string) => /^--\[\[\n([\s\S]*?)\n\]\]\n/.exec(lua)?.[1]

t.test('the loader knows every script file, and every script file is a script', async (t) => {
  t.same(luaFiles(ACD_LUA_DIR).map((f) => basename(f, '.lua')).sort(), [...SCRIPT_NAMES].sort())
  t.same(luaFiles(TRUNK_LUA_DIR).map((f) => basename(f, '.lua')).sort(), [...TRUNK_SCRIPT_NAMES].sort())
})

t.test('every script opens with a header stating its KEYS, ARGV and reply', async (t) => {
  for (const file of scripts) {
    const lua = readFileSync(file, 'utf8')
    const h = header(lua)
    if (!h) {
      t.fail(`${short(file)} does not open with a --[[ ... ]] header`)
      continue
    }
    t.match(h, /^\s+\S.*\n/, `${short(file)}: the header says what the script does`)
    t.match(h, /^\s+KEYS\[1\]\s+\S/m, `${short(file)}: KEYS[1] documented`)
    t.match(h, /^\s+Reply\s+\S/m, `${short(file)}: reply documented`)
    const documented = new Set([...h.matchAll(/^\s+ARGV\[(\d+)\]\s/gm)].map((m) => Number(m[1])))
    const from = [...h.matchAll(/^\s+ARGV\[(\d+)\.\.\]\s/gm)].map((m) => Number(m[1]))[0]
    // the arguments the script reads, its includes' included
    const body = code(assembleScript(file))
    for (const m of body.matchAll(/\bARGV\[(\d+)\]/g)) {
      const n = Number(m[1])
      if (!documented.has(n) && !(from !== undefined && n >= from)) t.fail(`${short(file)} reads ARGV[${n}] without documenting it`)
    }
    if (/#ARGV/.test(body) && from === undefined) t.fail(`${short(file)} reads a variable number of arguments without documenting ARGV[n..]`)
    for (const n of documented) if (!new RegExp(`\\bARGV\\[${n}\\]`).test(body) && from === undefined) t.fail(`${short(file)} documents ARGV[${n}] but never reads it`)
    if (/\bKEYS\[[2-9]/.test(body)) t.fail(`${short(file)} reads a key argument beyond KEYS[1]`)
  }
  for (const file of includes) t.ok(header(readFileSync(file, 'utf8')), `${short(file)} opens with a header comment`)
})

t.test("every script's includes resolve; each file is taken once; Redis compiles the result", async (t) => {
  const { redis } = await withRedis(t)
  for (const file of scripts) {
    const { files } = resolveIncludes(file)
    t.equal(new Set(files).size, files.length, `${short(file)}: every file included once`)
    const lua = assembleScript(file)
    const markers = lua.split('\n').filter((l) => l.startsWith('-- ') && l.endsWith('.lua'))
    for (const f of files) t.equal(markers.filter((l) => l === `-- ${short(f).slice('src/'.length)}`).length, 1, `${short(file)} holds ${short(f)} once`)
    const defined = [...code(lua).matchAll(/\blocal function ([A-Za-z_]\w*)/g)].map((m) => m[1]!)
    t.equal(new Set(defined).size, defined.length, `${short(file)}: no function defined twice`)
    t.match(await redis.script('LOAD', lua), /^[0-9a-f]{40}$/, `${short(file)} compiles`)
  }
  const tick = resolveIncludes(join(ACD_LUA_DIR, 'tick.lua')).files.map(short)
  t.ok(tick.includes('src/acd/lua/includes/agents.lua'), 'tick takes agents (directly and through free_agent, release, requeue)')
  const callbackRequest = resolveIncludes(join(ACD_LUA_DIR, 'callback_request.lua')).files.map((f) => basename(f, '.lua'))
  t.notOk(callbackRequest.includes('match'), 'a script takes only the includes it needs: callback_request does no matching')
})

t.test('a shared function is used only after its include defined it', async (t) => {
  // Lua resolves a name to the local defined above it, else to a global: a function used by an
  // include that did not include its definer first would be nil at run time.
  const shared = new Set(includes.flatMap((f) => [...code(readFileSync(f, 'utf8')).matchAll(/\blocal function ([A-Za-z_]\w*)/g)].map((m) => m[1]!)))
  for (const file of scripts) {
    const lua = code(assembleScript(file))
    const definedAt = new Map<string, number>()
    for (const m of lua.matchAll(/\blocal function ([A-Za-z_]\w*)/g)) definedAt.set(m[1]!, m.index!)
    for (const m of lua.matchAll(/(?<![.:\w])([A-Za-z_]\w*)\s*\(/g)) {
      const name = m[1]!
      if (!shared.has(name)) continue
      const at = definedAt.get(name)
      if (at === undefined || at > m.index!) t.fail(`${short(file)}: ${name} used before it is defined (missing include?)`)
    }
  }
  t.pass('checked')
})

t.test('a rule written once lives in one place', async (t) => {
  const all = [...includes, ...scripts].map((f) => ({ f: short(f), lua: code(readFileSync(f, 'utf8')) }))
  const where = (re: RegExp) => all.filter((x) => re.test(x.lua)).map((x) => x.f)
  const definedIn = new Map<string, string[]>()
  for (const x of all) for (const m of x.lua.matchAll(/\blocal function ([A-Za-z_]\w*)/g)) definedIn.set(m[1]!, [...(definedIn.get(m[1]!) ?? []), x.f])
  for (const [name, files] of definedIn) if (files.length > 1 && files.some((f) => f.includes('/includes/'))) t.fail(`${name} is defined in ${files.join(', ')}`)
  t.same(where(/\.pause_pending\b/), ['src/acd/lua/includes/free_agent.lua'], 'a freed agent goes to its pending pause or to available: free_agent only')
  t.same(where(/ZADD[^\n]*'esc\|'/), ['src/acd/lua/includes/escalation.lua'], 'the escalation step of a call: escalation only')
  t.same(where(/emit\([^\n]*'returned'/), ['src/acd/lua/includes/withdraw.lua', 'src/acd/lua/tick.lua'], 'an agent leaving an offer: withdraw (tick returns all the agents of a ring at once)')
  t.same(where(/\bP\s*\.\./), [], 'no script builds a key on the pool prefix by hand')
  t.same(where(/':(t|q|call|agent|inst|w|a|events|trunk|reg|quals|referred|alive|offers|timers|settings):?'/), [], 'no script spells a part of a key')
})

function fixture(t: Test, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lua-loader-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

t.test('the loader fails loudly on an unknown include, a cycle, a bad include line, an unknown key', async (t) => {
  const dir = fixture(t, {
    'unknown.lua': '--- @include "nowhere"\nreturn 1\n',
    'a.lua': '--- @include "b"\nreturn 1\n',
    'b.lua': '--- @include "a.lua"\nlocal x = 1\n',
    'self.lua': "--- @include 'self'\nreturn 1\n",
    'bad.lua': '-- @include nowhere\nreturn 1\n',
    'key.lua': "return redis.call('GET', K.nosuchkey('x'))\n",
    'twice.lua': '--- @include "c"\n--- @include "d"\nreturn c + d\n',
    'c.lua': 'c = 1\n',
    'd.lua': '--- @include "c"\nd = 2\n',
  })
  t.throws(() => resolveIncludes(join(dir, 'unknown.lua')), { name: 'ScriptLoadError', message: /unknown include .*nowhere\.lua \(included by .*unknown\.lua\)/ })
  t.throws(() => resolveIncludes(join(dir, 'a.lua')), { message: /include cycle .*a\.lua -> .*b\.lua -> .*a\.lua/ })
  t.throws(() => resolveIncludes(join(dir, 'self.lua')), { message: /include cycle/ })
  t.throws(() => resolveIncludes(join(dir, 'bad.lua')), { message: /malformed include line at .*bad\.lua:1/ })
  t.throws(() => assembleScript(join(dir, 'key.lua')), { name: 'ScriptLoadError', message: /key\.lua:1: no key named "nosuchkey"/ }, 'an unknown key builder')
  const twice = resolveIncludes(join(dir, 'twice.lua'))
  t.same(twice.files.map((f) => basename(f)), ['twice.lua', 'c.lua', 'd.lua'], 'c once, although twice.lua and d.lua both include it')
  t.equal(twice.source.match(/^c = 1$/gm)?.length, 1)
  t.ok(twice.source.indexOf('c = 1') < twice.source.indexOf('d = 2'), 'an include comes before the file that includes it')
})

t.test('ACD events carry the version of the event contract', async (t) => {
  const { engine, redis, clock } = await engineFixture(t)
  await engine.login('a2', ['acme'])
  await engine.enqueue({ tenant: 'acme', queue: 'sales', callId: 'v1' })
  clock.advance(1000)
  await engine.answer('acme', 'v1', 'a2')
  await engine.complete('acme', 'v1')
  await engine.pause('a2', 'break')
  const events = await redis.xrange(keys.events('shared', 'acme'), '-', '+')
  t.ok(events.length >= 5)
  for (const [, f] of events) t.equal(f[f.indexOf('v') + 1], '1', `${f[1]} has v=1`)
})
