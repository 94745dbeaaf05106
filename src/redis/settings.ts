/**
 * Where the service's Redis is, from the environment (README "Running the service"): one server
 * (REDIS_URL, the default), a master found through Redis Sentinel (REDIS_SENTINELS,
 * REDIS_SENTINEL_MASTER) or a Redis Cluster (REDIS_CLUSTER_NODES). A bad setting is refused with
 * the variable and the reason.
 */
export interface HostPort {
  host: string
  port: number
}

export type RedisSettings =
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; sentinels: HostPort[]; masterName: string; password?: string; sentinelPassword?: string }
  | { mode: 'cluster'; nodes: HostPort[]; password?: string }

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** A setting of the environment that cannot be used: names the variable and says why. */
export class EnvError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`)
    this.name = 'EnvError'
  }
}

/** `host:port,host:port` (IPv6 as `[addr]:port`), each port 1..65535, no entry twice. */
export function parseHostPorts(variable: string, text: string): HostPort[] {
  const items = text.split(',').map((s) => s.trim())
  if (items.some((s) => s === '')) throw new EnvError(variable, `an empty entry in ${JSON.stringify(text)} (expected host:port,host:port)`)
  const seen = new Set<string>()
  return items.map((item) => {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(item)
    if (!m) throw new EnvError(variable, `${JSON.stringify(item)} is not host:port`)
    const port = Number(m[3])
    if (port < 1 || port > 65535) throw new EnvError(variable, `port ${m[3]} of ${JSON.stringify(item)} is not 1..65535`)
    if (seen.has(item)) throw new EnvError(variable, `${item} is listed twice`)
    seen.add(item)
    return { host: (m[1] ?? m[2])!, port }
  })
}

const given = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name]
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

export function readRedisSettings(env: NodeJS.ProcessEnv): RedisSettings {
  const url = given(env, 'REDIS_URL')
  const sentinels = given(env, 'REDIS_SENTINELS')
  const masterName = given(env, 'REDIS_SENTINEL_MASTER')
  const sentinelPassword = env['REDIS_SENTINEL_PASSWORD'] || undefined
  const cluster = given(env, 'REDIS_CLUSTER_NODES')
  const password = env['REDIS_PASSWORD'] || undefined
  if (sentinels && cluster) throw new EnvError('REDIS_CLUSTER_NODES', 'set together with REDIS_SENTINELS: a Redis is either a Sentinel-managed master or a cluster; set one')
  if (url && (sentinels || cluster)) {
    const other = sentinels ? 'REDIS_SENTINELS' : 'REDIS_CLUSTER_NODES'
    throw new EnvError('REDIS_URL', `set together with ${other}: the service would not know which Redis to use; unset one`)
  }
  if (!sentinels) {
    if (masterName) throw new EnvError('REDIS_SENTINEL_MASTER', 'set without REDIS_SENTINELS: the sentinels to ask for this master are missing')
    if (sentinelPassword) throw new EnvError('REDIS_SENTINEL_PASSWORD', 'set without REDIS_SENTINELS')
  }
  if (sentinels) {
    if (!masterName) throw new EnvError('REDIS_SENTINEL_MASTER', 'missing: with REDIS_SENTINELS, name the master set the sentinels monitor (their `sentinel monitor <name> ...`)')
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(masterName)) throw new EnvError('REDIS_SENTINEL_MASTER', `${JSON.stringify(masterName)} is not a master name (letters, digits, . _ -)`)
    return { mode: 'sentinel', sentinels: parseHostPorts('REDIS_SENTINELS', sentinels), masterName, password, sentinelPassword }
  }
  if (cluster) return { mode: 'cluster', nodes: parseHostPorts('REDIS_CLUSTER_NODES', cluster), password }
  if (password) throw new EnvError('REDIS_PASSWORD', 'is for REDIS_SENTINELS or REDIS_CLUSTER_NODES; with REDIS_URL put the password in the URL (redis://:password@host:port)')
  const u = url ?? DEFAULT_REDIS_URL
  if (!/^rediss?:\/\/[^\s]+$/.test(u)) throw new EnvError('REDIS_URL', `${JSON.stringify(u)} is not a redis:// or rediss:// URL`)
  return { mode: 'standalone', url: u }
}

/** The settings in words, without passwords (for the logs). */
export function describeRedis(s: RedisSettings): string {
  const list = (xs: HostPort[]) => xs.map((x) => `${x.host}:${x.port}`).join(',')
  if (s.mode === 'sentinel') return `master "${s.masterName}" through sentinels ${list(s.sentinels)}`
  if (s.mode === 'cluster') return `cluster of ${list(s.nodes)}`
  return s.url.replace(/\/\/[^@/]*@/, '//***@')
}
