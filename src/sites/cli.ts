// `npm run site -- <command>`: sites down, up, drained, their status; instances drained without
// stopping. Talks to the platform's Redis (REDIS_URL, Sentinel or Cluster variables) with the
// configuration of CONFIG_PATH; every running instance follows within about a second.
import { AcdEngine } from '../acd/engine'
import { keys } from '../acd/keys'
import { SiteControl, type SwitchResult } from '../acd/sites'
import { ConfigError } from '../config/errors'
import { loadConfigFile } from '../config/load'
import type { PlatformConfig } from '../config/model'
import { connectRedis, type RedisLike } from '../redis/connect'
import { EnvError, readRedisSettings } from '../redis/settings'

export const SITE_USAGE = `usage: npm run site -- <command>
  down <site> [--reason R]     new calls of the site's DDIs go to the backup site, calls waiting there move, its agents get no new offers
  up <site> [--reason R]       the site takes its calls again (calls waiting at the backup come home, keeping their place)
  drain <site> [--reason R]    new calls go to the backup site; calls in progress finish at the site, then it is drained
  status [--json]              every site's state in every pool, waiting calls and logged-in agents
  drain-instance <id>          the instance takes no new call (503, Retry-After) and does not stop; /health says draining, then drained
  undrain-instance <id>        the instance takes new calls again`

export class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

export interface SiteStatus {
  site: string
  pool: string
  state: string
  since: number
  reason: string
  waiting: number
  agents: number
}

export async function siteStatus(redis: RedisLike, config: PlatformConfig, control: SiteControl): Promise<SiteStatus[]> {
  const out: SiteStatus[] = []
  for (const [pool, states] of await control.read()) {
    const loggedIn = new Set(await redis.smembers(keys.agents(pool)))
    for (const [site, r] of states) {
      let waiting = 0
      for (const t of config.tenants.values()) {
        if (t.pool !== pool) continue
        for (const q of t.queues) if (q.site === site) waiting += await redis.zcard(keys.queueWaiting(pool, t.id, q.id))
      }
      const agents = [...config.agents.values()].filter((a) => a.site === site && loggedIn.has(a.id)).length
      out.push({ site, pool, state: r.state, since: r.since, reason: r.reason, waiting, agents })
    }
  }
  return out
}

/** Runs one command; returns what it prints. */
export async function runSiteCommand(args: string[], redis: RedisLike, config: PlatformConfig): Promise<string> {
  const [command, subject] = args
  const engine = new AcdEngine(redis, config, { instanceId: `site-cli-${process.pid}` })
  const control = new SiteControl(redis, engine)
  const reason = option(args, '--reason') ?? 'manual'
  const summary = (site: string, rs: SwitchResult[]) =>
    rs.map((r) => `${site} in pool ${r.pool}: ${r.state}${r.changed ? '' : ' (unchanged)'}; calls moved ${r.moved}, rings withdrawn ${r.withdrawn}`).join('\n')
  switch (command) {
    case 'down':
    case 'up':
    case 'drain': {
      if (!subject) throw new UsageError(`${command} needs a site`)
      await control.refresh()
      return summary(subject, await control.switch(subject, command, reason))
    }
    case 'status': {
      const rows = await siteStatus(redis, config, control)
      if (args.includes('--json')) return JSON.stringify(rows, null, 2)
      if (rows.length === 0) return 'no site is declared in the configuration'
      return rows
        .map((r) => `${r.site} (pool ${r.pool}): ${r.state}${r.since ? ` since ${new Date(r.since).toISOString()} (${r.reason})` : ''}; waiting ${r.waiting}, agents logged in ${r.agents}`)
        .join('\n')
    }
    case 'drain-instance':
    case 'undrain-instance': {
      if (!subject) throw new UsageError(`${command} needs an instance id`)
      await control.askDrain(subject, command === 'drain-instance')
      return command === 'drain-instance' ? `instance ${subject} asked to drain` : `instance ${subject} takes new calls again`
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command')
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  if (args.length === 0 || args.includes('--help')) {
    process.stdout.write(`${SITE_USAGE}\n`)
    return
  }
  const config = loadConfigFile(process.env['CONFIG_PATH'] ?? 'config/platform.yaml')
  const redis = connectRedis(readRedisSettings(process.env), { retryStrategy: (n) => Math.min(2000, 200 * n) })
  try {
    process.stdout.write(`${await runSiteCommand(args, redis, config)}\n`)
  } finally {
    redis.disconnect()
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n${SITE_USAGE}\n`)
    else if (err instanceof ConfigError || err instanceof EnvError) process.stderr.write(`${err.message}\n`)
    else process.stderr.write(`site: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
