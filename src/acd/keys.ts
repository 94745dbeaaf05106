/**
 * Redis key layout, declared once. Every key starts with the pool prefix `acd:{<pool>}` — the hash
 * tag is the agent pool (the tenants that may share agents), so that each Lua script touches one
 * Redis Cluster slot. Every key holding tenant data carries the tenant after `:t:`. Agent keys
 * carry the pool only: an agent is shared by the pool's tenants, and its hash records which
 * tenants its login session serves. See README ("Redis key layout").
 *
 * KEY_LAYOUT is the only spelling of the keys: the TypeScript functions `keys.*` and the Lua key
 * builders `K.<name>(...)` of the scripts (expanded by the script loader: luaKeyExpression) are
 * both made from it. In a template, `<name>` is a parameter; every parameter is a whole
 * `:`-separated part.
 */
export const KEY_LAYOUT = {
  settings: { key: 'settings', type: 'hash', holds: 'pool settings (`max_no_answer`)' },
  epoch: { key: 'epoch', type: 'string', holds: "the pool's state incarnation: a new one after Redis lost the state (the instances then restore what they hold)" },
  seq: { key: 'seq', type: 'string', holds: 'arrival counter (FIFO within a priority)' },
  timers: { key: 'timers', type: 'zset', holds: 'due time → `res|T/C`, `esc|T/C`, `ref|T/C`, `max|T/C`, `cbr|T/C` (callback retry), `ovr|T/C` (waited overflow rule), `wrap|A`, `cbh|T/C` (callback calling hours close), `brc|T/C|Q|due|urgency|number` (callback due time)' },
  agents: { key: 'agents', type: 'set', holds: 'logged-in agents' },
  agent: { key: 'agent:<agent>', type: 'hash', holds: 'state, tenants, call, idle_since, calls, talk_ms, rna, reason, pause_pending' },
  agentQuals: { key: 'agent:<agent>:quals', type: 'hash', holds: '`T/Q` → `step|position|level|strategy|steps` for the session' },
  agentReferred: { key: 'agent:<agent>:referred', type: 'zset', holds: 'calls waiting for this referent agent' },
  queue: { key: 't:<tenant>:q:<queue>', type: 'hash', holds: 'queue definition (strategy, ring_ms, wrap_ms, esc, …)' },
  queueStep: { key: 't:<tenant>:q:<queue>:w:<step>', type: 'zset', holds: 'calls waiting at escalation step S, score = (100 − priority)·10¹³ + arrival' },
  queueWaiting: { key: 't:<tenant>:q:<queue>:waiting', type: 'zset', holds: 'all waiting calls (position)' },
  queueSince: { key: 't:<tenant>:q:<queue>:since', type: 'zset', holds: 'waiting calls by arrival time (longest wait)' },
  queueAvailable: { key: 't:<tenant>:q:<queue>:a:<step>', type: 'zset', holds: 'available agents first qualifying at step S, score by strategy' },
  queueStaffed: { key: 't:<tenant>:q:<queue>:staffed', type: 'set', holds: 'logged-in agents that may take the queue' },
  queueCallbacks: { key: 't:<tenant>:q:<queue>:callbacks', type: 'zset', holds: 'callbacks not made yet (their callers hung up), by request time' },
  queueStats: { key: 't:<tenant>:q:<queue>:stats', type: 'hash', holds: 'offered, answered, answered_in_sl, abandoned, wait_ms, talk_ms, …' },
  call: { key: 't:<tenant>:call:<call>', type: 'hash', holds: 'call state' },
  events: { key: 't:<tenant>:events', type: 'stream', holds: "the tenant's events" },
  registration: { key: 't:<tenant>:reg:<agent>', type: 'hash', holds: "an agent phone's registration in the tenant's realm (contact, source, expires_at), expiring" },
  authThrottle: { key: 't:<tenant>:throttle:auth:<source>', type: 'string', holds: "failed authentications from a source address in the tenant's realm, expiring" },
  trunkChannels: { key: 't:<tenant>:trunk:<trunk>:<direction>', type: 'hash', holds: 'channels in use on a trunk, direction `in`/`out`: call → instance' },
  offers: { key: 'inst:<instance>:offers', type: 'list', holds: 'offers and notices for instance I' },
  alive: { key: 'inst:<instance>:alive', type: 'string', holds: "instance I's heartbeat (expiring): trunk channels of dead instances are swept" },
  instances: { key: 'instances', type: 'set', holds: 'instances serving the pool (each adds itself with its heartbeat; removed once recovered)' },
  probeRun: { key: 't:<tenant>:probe:<probe>:run:<tick>', type: 'string', holds: "a probe's run for one tick of its schedule: the nonce its call carries, expiring (one instance takes it)" },
  probeLast: { key: 't:<tenant>:probe:<probe>:last', type: 'hash', holds: "a probe's last result: tick, result, reason, setup_ms, at" },
  instanceCalls: { key: 'inst:<instance>:calls', type: 'set', holds: "calls whose signalling instance I owns, `T/C` (recovered when I stops)" },
  sites: { key: 'sites', type: 'hash', holds: 'site S → `state|since|reason` (up, down, draining, drained); `S|inst`, `S|agent`: when a live instance, a logged-in agent of S was last seen' },
  drains: { key: 'drains', type: 'hash', holds: 'instances asked to drain without stopping → when asked' },
  platformConfig: { key: 'config', type: 'hash', holds: 'the platform configuration (P = `_platform`): `version`, `doc` (the raw document, JSON), `file_sha` (the YAML file last imported)' },
  apiTokens: { key: 'api:tokens', type: 'hash', holds: 'administration API tokens (P = `_platform`): id → JSON (tenant, role, agent, expiry, revocation; never the secret)' },
  apiTokenHashes: { key: 'api:token-hashes', type: 'hash', holds: "SHA-256 of a token → the token's id (P = `_platform`)" },
  apiAuthThrottle: { key: 'api:throttle:<source>', type: 'string', holds: 'failed API authentications from a source address (P = `_platform`), expiring' },
  audit: { key: 't:<tenant>:audit', type: 'stream', holds: "the tenant's audit log (P = `_platform`; T = `_platform` for platform-wide actions), append-only, trimmed by age" },
} as const

export type KeyName = keyof typeof KEY_LAYOUT
type Template<N extends KeyName> = (typeof KEY_LAYOUT)[N]['key']
type Params<S extends string> = S extends `${string}<${infer P}>${infer Rest}` ? [P, ...Params<Rest>] : []
type Values<T extends string[]> = { [I in keyof T]: string | number }
type KeyArgs<N extends KeyName> = Values<Params<Template<N>>>
export type KeyFunctions = { [N in KeyName]: (pool: string, ...args: KeyArgs<N>) => string }

/** A template cut into its `:`-separated parts: literal text, or a parameter's name. */
type Part = { literal: string } | { param: string }

const LUA_KEYWORDS = new Set(
  'and break do else elseif end false for function if in local nil not or repeat return then true until while'.split(' '),
)

function parse(name: string, template: string): Part[] {
  return template.split(':').map((part) => {
    const m = /^<([a-z][a-zA-Z0-9]*)>$/.exec(part)
    if (m) {
      if (LUA_KEYWORDS.has(m[1]!)) throw new Error(`key ${name}: parameter <${m[1]}> is a Lua keyword`)
      return { param: m[1]! }
    }
    if (!/^[a-z0-9_-]+$/.test(part)) throw new Error(`key ${name}: bad part ${JSON.stringify(part)} in ${template}`)
    return { literal: part }
  })
}

const LAYOUT: ReadonlyMap<KeyName, Part[]> = new Map(Object.entries(KEY_LAYOUT).map(([n, d]) => [n as KeyName, parse(n, d.key)]))

/** The pseudo-pool of the platform-wide keys (configuration, API tokens, audit): no tenant's pool can be named so. */
export const PLATFORM_POOL = '_platform'

export const poolPrefix = (pool: string): string => `acd:{${pool}}`

function keyFunction(name: KeyName, parts: Part[]): (pool: string, ...args: (string | number)[]) => string {
  const arity = parts.filter((p) => 'param' in p).length
  return (pool, ...args) => {
    if (args.length !== arity) throw new Error(`keys.${name} takes ${arity} arguments after the pool, not ${args.length}`)
    let i = 0
    let out = poolPrefix(pool)
    for (const p of parts) out += `:${'literal' in p ? p.literal : String(args[i++])}`
    return out
  }
}

/** `keys.<name>(pool, ...parameters)`: the key, e.g. `keys.queueStep('p', 'acme', 'sales', 0)`. */
export const keys = Object.fromEntries([...LAYOUT].map(([n, parts]) => [n, keyFunction(n, parts)])) as unknown as KeyFunctions

const SIMPLE_LUA_EXPRESSION = /^(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^[\]]*\])*|'[^'\\]*'|"[^"\\]*"|\d+)$/

/**
 * The Lua expression of the key `name` from the Lua expressions of its parameters, built on the
 * pool prefix `P` (KEYS[1] of every script): the script loader puts it in place of each
 * `K.<name>(...)` of a script, e.g. `K.queueStep(c.tenant, c.queue, s)` becomes
 * `(P .. ':t:' .. c.tenant .. ':q:' .. c.queue .. ':w:' .. s)`.
 */
export function luaKeyExpression(name: string, args: string[]): string {
  const parts = LAYOUT.get(name as KeyName)
  if (!parts) throw new Error(`no key named ${JSON.stringify(name)} in the key layout (src/acd/keys.ts)`)
  const arity = parts.filter((p) => 'param' in p).length
  if (args.length !== arity) throw new Error(`K.${name} takes ${arity} arguments (${KEY_LAYOUT[name as KeyName].key}), not ${args.length}`)
  let i = 0
  let out = 'P'
  let literal = ''
  for (const p of parts) {
    if ('literal' in p) {
      literal += `:${p.literal}`
      continue
    }
    const arg = args[i++]!.trim()
    out += ` .. '${literal}:' .. ${SIMPLE_LUA_EXPRESSION.test(arg) ? arg : `(${arg})`}`
    literal = ''
  }
  if (literal) out += ` .. '${literal}'`
  return `(${out})`
}

/**
 * The name and parameters of a key of `pool` (for tests and tools), or undefined. A parameter
 * other than the last holds no `:`; the most specific template wins (`agent:a1:quals` is
 * agentQuals of a1, not agent "a1:quals").
 */
export function parseKey(pool: string, key: string): { name: KeyName; params: string[] } | undefined {
  const prefix = `${poolPrefix(pool)}:`
  if (!key.startsWith(prefix)) return undefined
  let best: { name: KeyName; params: string[]; literals: number } | undefined
  for (const [name, parts] of LAYOUT) {
    const source = parts
      .map((p, i) => ('literal' in p ? p.literal : i === parts.length - 1 ? '(.+)' : '([^:]+)'))
      .join(':')
    const m = new RegExp(`^${source}$`).exec(key.slice(prefix.length))
    const literals = parts.filter((p) => 'literal' in p).length
    if (m && (!best || literals > best.literals)) best = { name, params: m.slice(1), literals }
  }
  return best && { name: best.name, params: best.params }
}

/** Ids that appear inside keys and script arguments must not contain separators. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$/
