import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { binaryOrThrow } from './binaries'
import { killOnExit, sleep, waitExit } from './child'
import { assertLoopback, freeUdpPort, udpPortBound } from './ports'

/** The folder of the SIPp scenarios (sipp-scenarios/ at the repository root). */
const SCENARIO_DIR = resolve(__dirname, '..', '..', 'sipp-scenarios')

export interface SippResult {
  /** SIPp's exit code: 0 all calls succeeded, 1 some failed, 99 no call processed,
   *  255 fatal error; 124 when the time limit killed it */
  code: number
  timedOut: boolean
  /** SIPp's screen output (the tail, when long) */
  stdout: string
  stderr: string
  /** the -error_file contents: unexpected messages, time-outs, scenario errors */
  errors: string
  /** the SIP messages sent and received (-trace_msg), when traced */
  messages: string
  /** the command line, for failure messages */
  command: string
}

/** What a SIPp run is given, caller or phone. */
export interface SippUasOptions {
  /** a scenario name of sipp-scenarios/ ('uac-caller', 'selftest/registrar'), or a path to a .xml */
  scenario: string
  /** local address to bind and advertise, loopback only (default 127.0.0.1) */
  localIp?: string
  /** local SIP port (default: a free UDP port) */
  localPort?: number
  /** local media port, -mp (default: SIPp picks a free one from 6000 up) */
  mediaPort?: number
  /** number of calls, -m (default 1; ignored when args holds -m) */
  calls?: number
  /** more sipp arguments, e.g. ['-s', '+33972000001', '-set', 'talk', '500'] */
  args?: string[]
  /** overall time limit: SIGTERM, then SIGKILL (default 60 s for a caller, 300 s for a phone) */
  timeoutMs?: number
  /** record the SIP messages (default: when at most 20 calls) */
  traceMessages?: boolean
}

/** A caller run: the same, and where it calls. */
export interface SippRunOptions extends SippUasOptions {
  /** the host:port to call (loopback only; IPv6 as [::1]:port) */
  target?: string
}

export interface SippUas {
  /** the port it listens on */
  port: number
  ip: string
  /** `ip:port` (IPv6 in brackets), e.g. for a Contact or a registration */
  address: string
  proc: ChildProcess
  /** resolves when SIPp exits: after its `calls` calls, on stop(), or on the time limit */
  done: Promise<SippResult>
  /** stops it (SIGTERM, then SIGKILL) and resolves its result */
  stop(): Promise<SippResult>
}

const MAX_OUTPUT = 256 * 1024

/** Resolves a scenario name or path to an existing .xml file. */
export function scenarioPath(scenario: string): string {
  const withExt = scenario.endsWith('.xml') ? scenario : `${scenario}.xml`
  const candidates = isAbsolute(withExt) ? [withExt] : [join(SCENARIO_DIR, withExt), resolve(withExt)]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`SIPp scenario not found: ${scenario} (looked in ${candidates.join(', ')})`)
  return found
}

function splitHostPort(target: string): { host: string; port: number } {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(target) ?? /^([^:\s]+):(\d+)$/.exec(target)
  if (!m) throw new Error(`SIPp target must be host:port (IPv6 as [::1]:port): ${target}`)
  return { host: m[1]!, port: Number(m[2]) }
}

function checkArgs(args: readonly string[]): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    const v = args[i + 1] ?? ''
    if (a === '-i' || a === '-mi') assertLoopback(v, `sipp ${a}`)
    if (a === '-rsa') assertLoopback(splitHostPort(v).host, 'sipp -rsa')
    if (a === '-bg') throw new Error('sipp -bg is not supported: the helpers watch the process')
  }
}

const bracket = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip)

interface Spawned {
  proc: ChildProcess
  result: Promise<SippResult>
  kill(): void
}

function spawnSipp(argv: string[], dir: string, timeoutMs: number): Spawned {
  const bin = binaryOrThrow('sipp')
  const proc = spawn(bin, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  const unhook = killOnExit(proc)
  let stdout = ''
  let stderr = ''
  const keep = (acc: string, chunk: Buffer) => {
    const s = acc + chunk.toString('latin1')
    return s.length > MAX_OUTPUT ? s.slice(-MAX_OUTPUT) : s
  }
  proc.stdout!.on('data', (c: Buffer) => (stdout = keep(stdout, c)))
  proc.stderr!.on('data', (c: Buffer) => (stderr = keep(stderr, c)))
  let timedOut = false
  const kill = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill('SIGTERM') // SIPp prints its statistics and exits
    if (!(await waitExit(proc, 3000))) proc.kill('SIGKILL')
  }
  const timer = setTimeout(() => {
    timedOut = true
    void kill()
  }, timeoutMs)
  const result = new Promise<SippResult>((resolveResult) => {
    proc.once('close', (code, signal) => {
      clearTimeout(timer)
      unhook()
      const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'latin1') : '')
      const res: SippResult = {
        code: timedOut ? 124 : (code ?? (signal ? 128 : 255)),
        timedOut,
        // the screen is redrawn with terminal escapes: keep the text
        stdout: stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''),
        stderr,
        errors: read('errors.log'),
        messages: read('messages.log'),
        command: ['sipp', ...argv].join(' '),
      }
      rmSync(dir, { recursive: true, force: true })
      resolveResult(res)
    })
    proc.once('error', (err) => {
      stderr += `\n${String(err)}`
    })
  })
  return { proc, result, kill: () => void kill() }
}

function baseArgs(o: { scenario: string; localIp: string; localPort: number; mediaPort?: number; calls?: number; args: string[]; trace: boolean; dir: string }): string[] {
  const argv = ['-sf', scenarioPath(o.scenario), '-i', o.localIp, '-p', String(o.localPort), '-nostdin']
  argv.push('-trace_err', '-error_file', join(o.dir, 'errors.log'))
  if (o.trace) argv.push('-trace_msg', '-message_file', join(o.dir, 'messages.log'))
  if (o.mediaPort !== undefined) argv.push('-mp', String(o.mediaPort))
  if (!o.args.includes('-m')) argv.push('-m', String(o.calls ?? 1))
  return argv
}

/** A one-line summary of a failed run, with the error file and the SIP messages. */
export function describeSipp(r: SippResult): string {
  return [
    `${r.command} -> exit ${r.code}${r.timedOut ? ' (time limit)' : ''}`,
    r.errors && `errors:\n${r.errors.trim()}`,
    r.stderr.trim() && `stderr:\n${r.stderr.trim()}`,
    r.messages && `messages:\n${r.messages.trim().split('\n').slice(-150).join('\n')}`,
  ]
    .filter(Boolean)
    .join('\n')
}

/**
 * Runs a SIPp client scenario to the end: `sipp -sf <scenario> <target> -i <localIp> -p <port>
 * -m 1 -nostdin -trace_err ...`. Resolves (never rejects on a failed call: check `code`).
 */
export async function runSipp(opts: SippRunOptions): Promise<SippResult> {
  const localIp = opts.localIp ?? '127.0.0.1'
  assertLoopback(localIp, 'sipp local address')
  const args = opts.args ?? []
  checkArgs(args)
  const argvTarget: string[] = []
  if (opts.target !== undefined) {
    const { host, port } = splitHostPort(opts.target)
    assertLoopback(host, 'sipp target')
    argvTarget.push(`${bracket(host)}:${port}`)
  }
  const calls = opts.calls
  const trace = opts.traceMessages ?? (calls ?? 1) <= 20
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'acd-sipp-'))
    const localPort = opts.localPort ?? (await freeUdpPort(localIp))
    const argv = [...baseArgs({ scenario: opts.scenario, localIp, localPort, mediaPort: opts.mediaPort, calls, args, trace, dir }), ...argvTarget, ...args]
    const result = await spawnSipp(argv, dir, opts.timeoutMs ?? 60_000).result
    // the free port was taken in between: try another one
    const portTaken = /Unable to bind main socket/.test(result.errors + result.stderr)
    if (!portTaken || opts.localPort !== undefined || attempt >= 3) return result
  }
}

/**
 * Starts a long-running SIPp server scenario (an agent phone): listens on `localIp` and a free
 * port, takes `calls` calls, then exits. Resolves once SIPp holds its port.
 */
export async function startSippUas(opts: SippUasOptions): Promise<SippUas> {
  const ip = opts.localIp ?? '127.0.0.1'
  assertLoopback(ip, 'sipp local address')
  const args = opts.args ?? []
  checkArgs(args)
  const trace = opts.traceMessages ?? (opts.calls ?? 1) <= 20
  let last = ''
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = opts.localPort ?? (await freeUdpPort(ip))
    const dir = mkdtempSync(join(tmpdir(), 'acd-sipp-uas-'))
    const argv = [...baseArgs({ scenario: opts.scenario, localIp: ip, localPort: port, mediaPort: opts.mediaPort, calls: opts.calls, args, trace, dir }), ...args]
    const s = spawnSipp(argv, dir, opts.timeoutMs ?? 300_000)
    // ready once the port is taken (by SIPp: it exits at once when it cannot bind)
    const deadline = Date.now() + 5000
    let ready = false
    while (Date.now() < deadline && s.proc.exitCode === null) {
      if (await udpPortBound(port, ip)) {
        await sleep(20)
        ready = s.proc.exitCode === null
        break
      }
      await sleep(20)
    }
    if (!ready) {
      s.kill()
      const r = await s.result
      last = describeSipp(r)
      if (opts.localPort !== undefined) break
      continue
    }
    let stopping: Promise<SippResult> | undefined
    return {
      port,
      ip,
      address: `${bracket(ip)}:${port}`,
      proc: s.proc,
      done: s.result,
      stop: () => (stopping ??= (s.kill(), s.result)),
    }
  }
  throw new Error(`SIPp ${opts.scenario} did not start listening:\n${last}`)
}
