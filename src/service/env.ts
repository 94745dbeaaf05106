import { hostname } from 'node:os'
import { EnvError, readRedisSettings, type RedisSettings } from '../redis/settings'

export interface MediaServerAddress {
  host: string
  port: number
  secret: string
}

/** Service settings, all from the environment (see README "Running the service"). */
export interface ServiceEnv {
  drachtio: { host: string; port: number; secret: string }
  /** Empty: no media server; callers then hear ringback until an agent answers. */
  freeswitch: MediaServerAddress[]
  /** Address the event-socket listener for FreeSWITCH's outbound connections binds to. */
  mediaListenAddress: string
  /** Address FreeSWITCH connects back to (defaults to the listen address). */
  mediaAdvertisedAddress: string | undefined
  /** REDIS_URL, or Sentinel (REDIS_SENTINELS, REDIS_SENTINEL_MASTER), or a cluster (REDIS_CLUSTER_NODES) */
  redis: RedisSettings
  configPath: string
  httpHost: string
  httpPort: number
  instanceId: string
  logLevel: string
  /** SIGTERM lets the calls in progress finish for at most this long */
  drainSeconds: number
  /** thresholds of the door (admission of new calls) */
  door: { maxCallsInSetup: number; maxLoopLagMs: number; maxMediaSessions: number; minMediaIdlePercent: number }
  /** INVITEs and REGISTERs per source address and second, and the burst allowed */
  sourceRate: { rate: number; burst: number }
  /** a media channel of this instance that no call holds for this long is hung up */
  mediaOrphanSeconds: number
  /** the administration API: audit retention, failed authentications per address and minute */
  admin: { auditRetentionDays: number; authFailuresPerMinute: number }
  /** the site this instance runs at (one of the configuration's sites), if any */
  site: string | undefined
  /** synthetic test calls (src/probes): PROBES, PROBE_DRACHTIO (the probes' own drachtio-server), PROBE_RTP_ADDRESS */
  probes: { enabled: boolean; drachtio: { host: string; port: number; secret: string } | undefined; rtpAddress: string }
}

function probeSettings(env: NodeJS.ProcessEnv): ServiceEnv['probes'] {
  const mode = (env['PROBES'] ?? 'on').toLowerCase()
  if (mode !== 'on' && mode !== 'off') throw new EnvError('PROBES', `must be on or off, got ${JSON.stringify(env['PROBES'])}`)
  const text = env['PROBE_DRACHTIO']
  let drachtio: ServiceEnv['probes']['drachtio']
  if (text) {
    const [host, port, ...secret] = text.split(':')
    const p = Number(port)
    if (!host || !Number.isInteger(p) || p <= 0 || p > 65535 || secret.length === 0) throw new EnvError('PROBE_DRACHTIO', `expected host:port:secret, got ${JSON.stringify(text)}`)
    drachtio = { host, port: p, secret: secret.join(':') }
  }
  return { enabled: mode === 'on', drachtio, rtpAddress: env['PROBE_RTP_ADDRESS'] ?? '127.0.0.1' }
}

export function parseMediaServers(text: string | undefined): MediaServerAddress[] {
  if (!text || text.trim() === '' || text.trim() === 'none') return []
  return text.split(',').map((item) => {
    const [host, port, ...secret] = item.trim().split(':')
    if (!host) throw new EnvError('FREESWITCH', `bad entry ${JSON.stringify(item)} (expected host:port:secret)`)
    const p = Number(port ?? 8021)
    if (!Number.isInteger(p) || p <= 0 || p > 65535) throw new EnvError('FREESWITCH', `bad port in ${JSON.stringify(item)}`)
    return { host, port: p, secret: secret.length ? secret.join(':') : 'ClueCon' }
  })
}

function int(env: NodeJS.ProcessEnv, name: string, def: number): number {
  const v = env[name]
  if (v === undefined || v === '') return def
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new EnvError(name, `must be a port number, got ${JSON.stringify(v)}`)
  return n
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServiceEnv {
  return {
    drachtio: { host: env['DRACHTIO_HOST'] ?? '127.0.0.1', port: int(env, 'DRACHTIO_PORT', 9022), secret: env['DRACHTIO_SECRET'] ?? 'cymru' },
    freeswitch: parseMediaServers(env['FREESWITCH'] ?? '127.0.0.1:8021:ClueCon'),
    mediaListenAddress: env['MEDIA_LISTEN_ADDRESS'] ?? '127.0.0.1',
    mediaAdvertisedAddress: env['MEDIA_ADVERTISED_ADDRESS'] || undefined,
    redis: readRedisSettings(env),
    configPath: env['CONFIG_PATH'] ?? 'config/platform.yaml',
    httpHost: env['HTTP_HOST'] ?? '127.0.0.1',
    httpPort: int(env, 'HTTP_PORT', 8080),
    instanceId: env['INSTANCE_ID'] ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${process.pid}`,
    logLevel: env['LOG_LEVEL'] ?? 'info',
    drainSeconds: int(env, 'DRAIN_SECONDS', 30),
    door: {
      maxCallsInSetup: int(env, 'MAX_CALLS_IN_SETUP', 40),
      maxLoopLagMs: int(env, 'MAX_EVENT_LOOP_LAG_MS', 250),
      maxMediaSessions: int(env, 'MAX_MEDIA_SESSIONS', 1800),
      minMediaIdlePercent: int(env, 'MIN_MEDIA_IDLE_PERCENT', 10),
    },
    sourceRate: { rate: int(env, 'SOURCE_RATE', 50), burst: int(env, 'SOURCE_BURST', 100) },
    mediaOrphanSeconds: int(env, 'MEDIA_ORPHAN_SECONDS', 30),
    admin: { auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 365), authFailuresPerMinute: int(env, 'API_AUTH_FAILURES_PER_MINUTE', 10) },
    site: env['SITE'] || undefined,
    probes: probeSettings(env),
  }
}
