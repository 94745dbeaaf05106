// `npm run drill -- --site S --minutes N`: a failover drill. The site is declared down (reason
// `drill`), traffic keeps flowing to the backup site for N minutes, the site is brought back, and
// the report (text and JSON) is computed from the tenants' histories. Exits 1 when a call was lost.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { AcdEngine } from '../acd/engine'
import { SiteControl } from '../acd/sites'
import { ConfigError } from '../config/errors'
import { loadConfigFile } from '../config/load'
import type { PlatformConfig } from '../config/model'
import { connectRedis, type RedisLike } from '../redis/connect'
import { EnvError, readRedisSettings } from '../redis/settings'
import { drillReport, drillText, type DrillReport } from './drill-report'

export const DRILL_USAGE = `usage: npm run drill -- --site S (--minutes N | --seconds N) [--settle SECONDS] [--out DIR] [--json FILE] [--text FILE]
  the site goes down, its calls go to the backup site for that long, it comes back; after --settle
  seconds (default 10) the report is written: DIR/drill-<site>-<time>.json and .txt (default DIR: var/drills)`

export interface DrillOptions {
  site: string
  durationMs: number
  settleMs: number
  json: string
  text: string
}

export function parseDrillArgs(args: string[], now = new Date()): DrillOptions {
  const value = (name: string) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const problems: string[] = []
  const site = value('--site')
  if (!site) problems.push('--site is needed')
  const minutes = value('--minutes')
  const seconds = value('--seconds')
  const num = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined
    const n = Number(v)
    if (!Number.isFinite(n) || n <= 0) problems.push(`${name} must be a positive number, got ${JSON.stringify(v)}`)
    return n
  }
  const m = num(minutes, '--minutes')
  const s = num(seconds, '--seconds')
  if ((m === undefined) === (s === undefined)) problems.push('give one of --minutes or --seconds')
  const settle = num(value('--settle'), '--settle') ?? 10
  if (problems.length) throw new Error(problems.join('; '))
  const dir = value('--out') ?? 'var/drills'
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  return {
    site: site!,
    durationMs: Math.round((m !== undefined ? m * 60 : s!) * 1000),
    settleMs: Math.round(settle * 1000),
    json: value('--json') ?? join(dir, `drill-${site}-${stamp}.json`),
    text: value('--text') ?? join(dir, `drill-${site}-${stamp}.txt`),
  }
}

/** Runs a drill on the live platform (the caller's clock is the platform's: Date.now()). */
export async function runDrill(redis: RedisLike, config: PlatformConfig, o: DrillOptions, say: (line: string) => void = () => undefined): Promise<DrillReport> {
  const engine = new AcdEngine(redis, config, { instanceId: `drill-${process.pid}` })
  const control = new SiteControl(redis, engine)
  if (!config.sites.has(o.site)) throw new Error(`unknown site "${o.site}" (the sites are: ${[...config.sites.keys()].join(', ') || 'none'})`)
  await control.refresh()
  const before = engine.sites.notUp().get(o.site)
  if (before) throw new Error(`site ${o.site} is ${before.state} (${before.reason}): a drill starts from a site that is up`)
  const downAt = Date.now()
  const down = await control.switch(o.site, 'down', 'drill')
  say(`site ${o.site} down for the drill: ${down.reduce((n, r) => n + r.moved, 0)} calls moved, ${down.reduce((n, r) => n + r.withdrawn, 0)} rings withdrawn`)
  await new Promise((r) => setTimeout(r, o.durationMs))
  const upAt = Date.now()
  const up = await control.switch(o.site, 'up', 'drill')
  say(`site ${o.site} up again: ${up.reduce((n, r) => n + r.moved, 0)} calls moved back`)
  await new Promise((r) => setTimeout(r, o.settleMs))
  const report = await drillReport(redis, config, o.site, { downAt, upAt, endAt: Date.now(), fromStreamMs: downAt - 60_000 })
  mkdirSync(dirname(o.json), { recursive: true })
  mkdirSync(dirname(o.text), { recursive: true })
  writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(o.text, drillText(report))
  return report
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  if (args.includes('--help')) return void process.stdout.write(`${DRILL_USAGE}\n`)
  let o: DrillOptions
  try {
    o = parseDrillArgs(args)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${DRILL_USAGE}\n`)
    process.exit(2)
  }
  const config = loadConfigFile(process.env['CONFIG_PATH'] ?? 'config/platform.yaml')
  const redis = connectRedis(readRedisSettings(process.env))
  try {
    const report = await runDrill(redis, config, o, (l) => process.stdout.write(`${l}\n`))
    process.stdout.write(drillText(report))
    process.stdout.write(`report: ${o.text}, ${o.json}\n`)
    process.exitCode = report.lost === 0 ? 0 : 1
  } finally {
    redis.disconnect()
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(err instanceof ConfigError || err instanceof EnvError ? `${err.message}\n` : `drill: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
