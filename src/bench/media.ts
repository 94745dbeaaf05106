// bench:media — callers held on hold music at once on this box: SIPp callers answered into FreeSWITCH
// through the service, with no agent logged in, so every caller stays on hold until it hangs up.
// Last line: `bench-media: held=N failed=N fs_channels_after=N`.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestScope } from '../stack/scope'
import { generatePromptSet } from '../media/prompt-set'
import { PrivateRedis } from '../redis/private-server'
import { startApp } from '../stack/app'
import { startDrachtio } from '../stack/drachtio'
import { startFreeswitch } from '../stack/freeswitch'
import { runSipp } from '../stack/sipp'

const CALLS = Number(process.env['BENCH_MEDIA_CALLS'] ?? 300)
const RATE = Number(process.env['BENCH_MEDIA_RATE'] ?? 10)
const HOLD_MS = Number(process.env['BENCH_MEDIA_HOLD_MS'] ?? 35_000)
const say = (line: string) => process.stderr.write(`[bench-media ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

const cleanups: (() => unknown)[] = []
const owner: TestScope = { teardown: (f) => void cleanups.push(f), passing: () => true }

function platform(): string {
  return `
tenants:
  - id: bench
    name: Bench
    timezone: UTC
    skills: [any]
    trunks: [{ id: carrier, allowed_sources: [127.0.0.2/32], max_inbound: ${CALLS * 2}, max_outbound: 0 }]
    ddis: [{ number: "+33972000001", queue: hold }]
    queues:
      - { id: hold, skills: [{ skill: any, min_level: 1 }], strategy: longest-idle, max_length: ${CALLS * 2}, max_wait_seconds: 600 }
`
}

async function main(): Promise<void> {
  const redis = await PrivateRedis.start()
  cleanups.push(() => redis.stop())
  const drachtio = await startDrachtio(owner)
  const fs = await startFreeswitch(owner, { sessionsPerSecond: 1000, maxSessions: Math.max(1000, CALLS * 2) })
  const prompts = mkdtempSync(join(tmpdir(), 'acd-bench-prompts-'))
  generatePromptSet('en', join(prompts, 'en'))
  await startApp(owner, {
    configYaml: platform(),
    redisUrl: redis.url,
    drachtio: { host: drachtio.host, adminPort: drachtio.adminPort, secret: drachtio.secret },
    freeswitch: { host: fs.host, eslPort: fs.eslPort, secret: fs.secret },
    env: { PROMPTS_DIR: prompts, LOG_LEVEL: 'warn' },
  })
  say(`${CALLS} callers at ${RATE}/s, each on hold ${HOLD_MS / 1000} s`)
  let held = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      held = Math.max(held, await fs.sessionCount().catch(() => 0))
      await new Promise((r) => setTimeout(r, 500))
    }
  })()
  const timeoutMs = (CALLS / RATE) * 1000 + HOLD_MS + 60_000
  const r = await runSipp({
    scenario: 'uac-caller-bye-queued',
    target: `${drachtio.host}:${drachtio.sipPort}`,
    localIp: '127.0.0.2',
    args: ['-s', '+33972000001', '-set', 'wait', String(HOLD_MS), '-r', String(RATE), '-m', String(CALLS), '-l', String(CALLS)],
    timeoutMs,
    traceMessages: false,
  })
  sampling = false
  await sampler
  const failedMatch = /Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(r.stdout)
  const okMatch = /Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(r.stdout)
  const failed = failedMatch ? Number(failedMatch[1]) : CALLS - (okMatch ? Number(okMatch[1]) : 0)
  await fs.waitForChannels(0, 20_000)
  const after = await fs.channelCount()
  say(`sipp exit ${r.code}, successful ${okMatch?.[1] ?? '?'}, failed ${failed}; most callers held at once ${held} (target ${CALLS})`)
  console.log(`bench-media: held=${held} failed=${failed} fs_channels_after=${after}`)
}

main()
  .catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
  .finally(async () => {
    for (const f of cleanups.reverse()) await Promise.resolve(f()).catch(() => undefined)
    process.exit()
  })
