import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis, { Cluster } from 'ioredis'
import { freePort, PrivateRedis } from './private-server'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await probe()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      last = err
    }
    await sleep(50)
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`)
}

function kill(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
    proc.once('exit', () => resolve())
    proc.kill('SIGKILL')
  })
}

async function ask<T>(client: Redis, ...args: (string | number)[]): Promise<T> {
  try {
    return (await client.call(...(args.map(String) as [string, ...string[]]))) as T
  } finally {
    client.disconnect()
  }
}

export interface SentinelGroupOptions {
  masterName?: string
  /** the data servers' requirepass (and the sentinels' auth-pass) */
  password?: string
  /** the sentinels' own requirepass */
  sentinelPassword?: string
  sentinels?: number
  quorum?: number
  downAfterMs?: number
  failoverTimeoutMs?: number
}

/**
 * A master, a replica and sentinels (`redis-server <conf> --sentinel`: Debian's redis-sentinel
 * is the same program) on free loopback ports, for tests: failed over on demand
 * (`SENTINEL FAILOVER`, or the master killed).
 */
export class PrivateSentinelGroup {
  private constructor(
    readonly servers: PrivateRedis[],
    readonly sentinelPorts: number[],
    private readonly sentinels: ChildProcess[],
    readonly dir: string,
    readonly masterName: string,
    readonly password: string | undefined,
    readonly sentinelPassword: string | undefined,
  ) {}

  static async start(o: SentinelGroupOptions = {}): Promise<PrivateSentinelGroup> {
    const name = o.masterName ?? 'acd'
    const dir = mkdtempSync(join(tmpdir(), 'acd-sentinel-'))
    const master = await PrivateRedis.start({ password: o.password })
    const replica = await PrivateRedis.start({ password: o.password, args: ['--replicaof', '127.0.0.1', String(master.port)] })
    const ports: number[] = []
    const procs: ChildProcess[] = []
    for (let i = 0; i < (o.sentinels ?? 3); i++) {
      const port = await freePort()
      const conf = join(dir, `sentinel-${port}.conf`)
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${master.port} ${o.quorum ?? 2}`,
          `sentinel down-after-milliseconds ${name} ${o.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} ${o.failoverTimeoutMs ?? 4000}`,
          `sentinel parallel-syncs ${name} 1`,
          ...(o.password ? [`sentinel auth-pass ${name} ${o.password}`] : []),
          ...(o.sentinelPassword ? [`requirepass ${o.sentinelPassword}`, `sentinel sentinel-pass ${o.sentinelPassword}`] : []),
          '',
        ].join('\n'),
      )
      ports.push(port)
      procs.push(spawn('redis-server', [conf, '--sentinel', '--loglevel', 'notice', '--logfile', join(dir, `sentinel-${port}.log`)], { stdio: 'ignore' }))
    }
    const group = new PrivateSentinelGroup([master, replica], ports, procs, dir, name, o.password, o.sentinelPassword)
    await group.waitQuorum()
    return group
  }

  /** The environment pointing the service at this group. */
  get env(): Record<string, string> {
    return {
      REDIS_SENTINELS: this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_SENTINEL_MASTER: this.masterName,
      ...(this.password ? { REDIS_PASSWORD: this.password } : {}),
      ...(this.sentinelPassword ? { REDIS_SENTINEL_PASSWORD: this.sentinelPassword } : {}),
    }
  }

  private sentinel(i: number): Redis {
    const c = new Redis({ port: this.sentinelPorts[i]!, host: '127.0.0.1', password: this.sentinelPassword, maxRetriesPerRequest: 0, retryStrategy: () => null })
    c.on('error', () => {})
    return c
  }

  /** The master's port as sentinel `i` reports it. */
  async reportedMasterPort(i = 0): Promise<number> {
    const [, port] = await ask<[string, string]>(this.sentinel(i), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName)
    return Number(port)
  }

  private byPort(port: number): PrivateRedis {
    const s = this.servers.find((x) => x.port === port)
    if (!s) throw new Error(`no server of the group on port ${port}`)
    return s
  }

  async master(): Promise<PrivateRedis> {
    return this.byPort(await this.reportedMasterPort())
  }

  private async role(server: PrivateRedis): Promise<string[]> {
    return ask<string[]>(server.probe(), 'ROLE')
  }

  /** Every sentinel agrees on a master, sees the others and a replica in sync, and can authorise a failover. */
  async waitQuorum(timeoutMs = 30_000): Promise<void> {
    await until('sentinels ready', timeoutMs, async () => {
      const masters = new Set<number>()
      for (let i = 0; i < this.sentinelPorts.length; i++) {
        if (!String(await ask(this.sentinel(i), 'SENTINEL', 'CKQUORUM', this.masterName)).startsWith('OK')) return false
        const replicas = await ask<string[][]>(this.sentinel(i), 'SENTINEL', 'REPLICAS', this.masterName)
        const fields = replicas.map((r) => Object.fromEntries(r.flatMap((v, j) => (j % 2 ? [] : [[v, r[j + 1]]]))))
        if (!fields.some((f) => f['flags'] === 'slave' && f['master-link-status'] === 'ok')) return false
        masters.add(await this.reportedMasterPort(i))
      }
      if (masters.size !== 1) return false
      const [master] = [...masters]
      return (await this.role(this.byPort(master!)))[0] === 'master'
    })
  }

  /**
   * Fences the writes acknowledged so far: a write on the master, then WAIT until every replica
   * has it (and so everything written before it). Returns when they are replicated.
   */
  async fence(): Promise<void> {
    const master = (await this.master()).probe()
    try {
      await master.set('ha:fence', String(Date.now()))
      const replicas = Number(await master.call('WAIT', '1', '5000'))
      if (replicas < 1) throw new Error('fence: no replica acknowledged the writes')
    } finally {
      master.disconnect()
    }
  }

  /**
   * SENTINEL FAILOVER: the replica is promoted. Resolves when every sentinel names the new master
   * and it says so itself (the old master is turned into its replica later, by the sentinels).
   */
  async failover(timeoutMs = 20_000): Promise<{ from: number; to: number }> {
    const from = await this.reportedMasterPort()
    await ask(this.sentinel(0), 'SENTINEL', 'FAILOVER', this.masterName)
    return { from, to: await this.waitNewMaster(from, timeoutMs) }
  }

  /**
   * A planned switchover: the master's clients are paused for writes (CLIENT PAUSE WRITE, scripts
   * included) so that the replica has every acknowledged write, then SENTINEL FAILOVER; clients
   * that follow the failover send the paused commands again to the new master.
   */
  async switchover(pauseMs = 5000, timeoutMs = 20_000): Promise<{ from: number; to: number }> {
    await ask((await this.master()).probe(), 'CLIENT', 'PAUSE', pauseMs, 'WRITE')
    return this.failover(timeoutMs)
  }

  /** Kills the master (SIGKILL): the sentinels see it down and promote the replica. */
  async killMaster(timeoutMs = 20_000): Promise<{ from: number; to: number }> {
    const from = await this.reportedMasterPort()
    await this.byPort(from).down()
    return { from, to: await this.waitNewMaster(from, timeoutMs) }
  }

  private async waitNewMaster(from: number, timeoutMs: number): Promise<number> {
    return until('failover', timeoutMs, async () => {
      const ports = await Promise.all(this.sentinelPorts.map((_, i) => this.reportedMasterPort(i)))
      if (ports.some((p) => p === from || p !== ports[0])) return false
      return (await this.role(this.byPort(ports[0]!)))[0] === 'master' ? ports[0] : false
    })
  }

  /** Waits until the server on `port` is a replica of the current master, in sync. */
  async waitReplica(port: number, timeoutMs = 20_000): Promise<void> {
    await until(`replica on ${port}`, timeoutMs, async () => {
      const role = await this.role(this.byPort(port))
      return role[0] === 'slave' && role[3] === 'connected' && Number(role[2]) === (await this.reportedMasterPort())
    })
  }

  async stop(): Promise<void> {
    await Promise.all(this.sentinels.map(kill))
    await Promise.all(this.servers.map((s) => s.stop()))
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export function hasRedisCli(): boolean {
  return spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0
}

/**
 * A Redis Cluster of `masters` cluster-enabled redis-servers on free loopback ports, no replicas
 * (`redis-cli --cluster create ... --cluster-replicas 0`), for tests.
 */
export class PrivateCluster {
  private constructor(readonly servers: PrivateRedis[]) {}

  static async start(o: { masters?: number } = {}): Promise<PrivateCluster> {
    const servers: PrivateRedis[] = []
    for (let i = 0; i < (o.masters ?? 3); i++) {
      servers.push(await PrivateRedis.start({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }))
    }
    const cluster = new PrivateCluster(servers)
    const r = spawnSync('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 })
    if (r.status !== 0) {
      await cluster.stop()
      throw new Error(`redis-cli --cluster create failed (exit ${r.status}): ${(r.stdout + r.stderr).slice(-800)}`)
    }
    await until('cluster ok', 20_000, async () => {
      for (const s of servers) {
        const info = String(await ask(s.probe(), 'CLUSTER', 'INFO'))
        if (!/cluster_state:ok/.test(info) || !/cluster_known_nodes:(\d+)/.test(info) || Number(/cluster_known_nodes:(\d+)/.exec(info)![1]) !== servers.length) return false
      }
      return true
    })
    return cluster
  }

  get nodes(): { host: string; port: number }[] {
    return this.servers.map((s) => ({ host: '127.0.0.1', port: s.port }))
  }

  /** The environment pointing the service at this cluster. */
  get env(): Record<string, string> {
    return { REDIS_CLUSTER_NODES: this.nodes.map((n) => `${n.host}:${n.port}`).join(',') }
  }

  /** A cluster client (ioredis Cluster) for checks. */
  client(): Cluster {
    return new Cluster(this.nodes)
  }

  /** The port of the master serving the slot of `key`. */
  async ownerOf(key: string): Promise<number> {
    const slot = Number(await ask(this.servers[0]!.probe(), 'CLUSTER', 'KEYSLOT', key))
    const ranges = await ask<[number, number, [string, number]][]>(this.servers[0]!.probe(), 'CLUSTER', 'SLOTS')
    const range = ranges.find(([lo, hi]) => slot >= lo && slot <= hi)
    if (!range) throw new Error(`slot ${slot} of ${key} is not served`)
    return Number(range[2][1])
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()))
  }
}
