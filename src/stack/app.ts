import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestScope } from './scope'
import { freePort } from '../redis/private-server'

export interface AppHandle {
  httpPort: number
  instanceId: string
  configPath: string
  logFile: string
  proc: ChildProcess
  health(): Promise<Record<string, unknown>>
  metrics(): Promise<string>
  stop(): Promise<void>
}

/**
 * The service's JSON log lines (pino). Lines that are not JSON (libraries writing to the console)
 * are left out.
 */
export function readLog(file: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      out.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      // a line cut short by the process ending
    }
  }
  return out
}

/**
 * Starts the service (`node --import tsx src/service/main.ts`, as `npm start` and the Dockerfile do)
 * with a generated config and the given dependencies, and waits until /health is green.
 */
export async function startApp(
  t: TestScope,
  opts: { configYaml: string; redisUrl?: string; drachtio: { host: string; adminPort: number; secret: string }; freeswitch?: { host: string; eslPort: number; secret: string }; instanceId?: string; waitHealthy?: boolean; env?: Record<string, string> },
): Promise<AppHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'acd-app-'))
  const configPath = join(dir, 'platform.yaml')
  writeFileSync(configPath, opts.configYaml)
  const httpPort = await freePort()
  const instanceId = opts.instanceId ?? `e2e-${httpPort}`
  const logFile = join(dir, 'app.log')
  const log = createWriteStream(logFile)
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/service/main.ts'], {
    env: {
      ...process.env,
      DRACHTIO_HOST: opts.drachtio.host,
      DRACHTIO_PORT: String(opts.drachtio.adminPort),
      DRACHTIO_SECRET: opts.drachtio.secret,
      FREESWITCH: opts.freeswitch ? `${opts.freeswitch.host}:${opts.freeswitch.eslPort}:${opts.freeswitch.secret}` : 'none',
      MEDIA_LISTEN_ADDRESS: '127.0.0.1',
      // without a URL the Redis is given in `env` (REDIS_SENTINELS..., REDIS_CLUSTER_NODES)
      REDIS_URL: opts.redisUrl ?? '',
      CONFIG_PATH: configPath,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      INSTANCE_ID: instanceId,
      LOG_LEVEL: process.env['E2E_LOG_LEVEL'] ?? 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  proc.stdout!.pipe(log)
  proc.stderr!.pipe(log)
  const base = `http://127.0.0.1:${httpPort}`
  const handle: AppHandle = {
    httpPort,
    instanceId,
    configPath,
    logFile,
    proc,
    health: async () => (await fetch(`${base}/health`)).json() as Promise<Record<string, unknown>>,
    metrics: async () => (await fetch(`${base}/metrics`)).text(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
        const timer = setTimeout(() => proc.kill('SIGKILL'), 3000)
        proc.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        proc.kill('SIGTERM')
      }),
  }
  t.teardown(() => handle.stop())
  const deadline = Date.now() + 30_000
  for (;;) {
    if (opts.waitHealthy === false) {
      try {
        await handle.health()
        break
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`service not listening after 30 s; see ${logFile}`)
      await new Promise((r) => setTimeout(r, 200))
      continue
    }
    if (proc.exitCode !== null) throw new Error(`service exited with ${proc.exitCode}; see ${logFile}`)
    try {
      const h = await handle.health()
      if (h['ok'] === true) break
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`service not healthy after 30 s; see ${logFile}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return handle
}
