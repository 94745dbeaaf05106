// The first platform-admin token of a fresh install, written straight into Redis (no API call can
// make one without a token): `npm run admin:token -- --name ops [--ttl-days 30]`. The secret is
// printed once; Redis keeps its SHA-256 only.
import { connectRedis } from '../../redis/connect'
import { EnvError, readRedisSettings } from '../../redis/settings'
import { AuditLog, PLATFORM_AUDIT } from '../audit'
import { TokenStore } from '../tokens'

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}

export async function bootstrapToken(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void): Promise<number> {
  const name = arg(argv, 'name') ?? 'bootstrap'
  const days = Number(arg(argv, 'ttl-days') ?? 30)
  if (!Number.isFinite(days) || days <= 0 || days > 366) {
    out('admin:token: --ttl-days must be a number of days, 1..366\n')
    return 2
  }
  let settings
  try {
    settings = readRedisSettings(env)
  } catch (err) {
    if (err instanceof EnvError) {
      out(`admin:token: ${err.message}\n`)
      return 2
    }
    throw err
  }
  const redis = connectRedis(settings)
  try {
    const { token, record } = await new TokenStore(redis).create({ tenant: null, role: 'platform-admin', name, ttlSeconds: Math.round(days * 86400) })
    await new AuditLog(redis, 365 * 86_400_000).append(PLATFORM_AUDIT, { token: '', role: 'operator', source: 'cli', method: 'CLI', path: 'admin:token', action: 'tokens.create', outcome: 'ok', status: 201, object_type: 'tokens', object_id: record.id, after: record })
    out(`${JSON.stringify({ ...record, token })}\n`)
    return 0
  } finally {
    redis.disconnect()
  }
}

if (require.main === module) {
  bootstrapToken(process.argv.slice(2), process.env, (s) => process.stdout.write(s)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`admin:token: ${(err as Error).message}\n`)
      process.exit(1)
    },
  )
}
