import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis from 'ioredis'

/** Finds a free TCP port on loopback. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, host, () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

export interface PrivateRedisOptions {
  port?: number
  dir?: string
  /** More redis-server arguments (`--replicaof`, `--cluster-enabled yes`, ...), kept for `up`. */
  args?: string[]
  /** requirepass (and masterauth: replicas of a server with the same password) */
  password?: string
}

/**
 * A redis-server of our own on a free loopback port, in a temp dir, without persistence (see
 * private-ha.ts for replicas, sentinels and clusters made of them).
 */
export class PrivateRedis {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private proc: ChildProcess,
    private readonly args: string[],
    readonly password: string | undefined,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    if (!hasRedisServer()) throw new Error('redis-server is not installed (Debian package redis-server)')
    const port = options.port ?? (await freePort())
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'acd-redis-'))
    const args = [...(options.password ? ['--requirepass', options.password, '--masterauth', options.password] : []), ...(options.args ?? [])]
    const proc = PrivateRedis.spawn(port, dir, args)
    const server = new PrivateRedis(port, dir, proc, args, options.password)
    await server.waitReady()
    return server
  }

  private static spawn(port: number, dir: string, args: string[]): ChildProcess {
    return spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning', ...args],
      { stdio: 'ignore', cwd: dir },
    )
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const client = new Redis({ port: this.port, host: '127.0.0.1', password: this.password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      client.on('error', () => {})
      try {
        await client.connect()
        await client.ping()
        client.disconnect()
        return
      } catch {
        client.disconnect()
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    throw new Error(`redis-server on port ${this.port} did not start`)
  }

  client(): Redis {
    return new Redis({ port: this.port, host: '127.0.0.1', password: this.password })
  }

  /** A connection that gives up at once when the server is away (for checks). */
  probe(): Redis {
    const c = new Redis({ port: this.port, host: '127.0.0.1', password: this.password, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 })
    c.on('error', () => {})
    return c
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null
  }

  /** Kills the server and starts it again on the same port (scripts and data are gone). */
  async restart(): Promise<void> {
    await this.down()
    await this.up()
  }

  /** An outage: the server is killed (its port refuses connections until `up`). */
  down(): Promise<void> {
    return this.kill()
  }

  /** Back on the same port, empty. */
  async up(): Promise<void> {
    this.proc = PrivateRedis.spawn(this.port, this.dir, this.args)
    await this.waitReady()
  }

  private kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return resolve()
      this.proc.once('exit', () => resolve())
      this.proc.kill('SIGKILL')
    })
  }

  async stop(): Promise<void> {
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
