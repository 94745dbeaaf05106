import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TestScope } from './scope'
import { FREESWITCH_PROFILE as PROFILE, freeswitchConfig, type FreeswitchSettings } from '../media/freeswitch-config'
import { binaryOrThrow } from './binaries'
import { EslClient } from './esl'
import { killOnExit, sleep, stopProcess, tail } from './child'
import { freePort, freeSipPort } from './ports'

// ------------------------------------------------------------------------------------------
// FreeSWITCH with the platform's configuration (src/media/freeswitch-config.ts) on loopback.

export interface FreeswitchHandle {
  /** event socket port on 127.0.0.1 */
  eslPort: number
  /** SIP port (UDP and TCP) of the drachtio_mrf profile on 127.0.0.1 */
  sipPort: number
  /** event socket password */
  secret: string
  host: '127.0.0.1'
  /** RTP port window of this instance */
  rtpPorts: { start: number; end: number }
  /** temp dir: conf/, log/ (freeswitch.log), db/, run/, ... */
  dir: string
  logFile: string
  proc: ChildProcess
  /** number of channels (`show channels count`; from FreeSWITCH's database, which lags
   *  the calls by some tens of milliseconds: poll, or use waitForChannels) */
  channelCount(): Promise<number>
  /** number of sessions right now (the `status` API), without the database lag */
  sessionCount(): Promise<number>
  /** polls until both counts equal `n` (default within 5 s); resolves whether they did */
  waitForChannels(n: number, timeoutMs?: number): Promise<boolean>
  /** runs an API command over the event socket and resolves its output */
  api(cmd: string): Promise<string>
  /** hangs up every channel, then shuts FreeSWITCH down (SIGKILL if it lingers) */
  stop(): Promise<void>
}

export interface FreeswitchOptions {
  /** switch.conf sessions-per-second (default 1000) */
  sessionsPerSecond?: number
  /** switch.conf max-sessions (default 2000) */
  maxSessions?: number
  /** console/log level (default: E2E_FREESWITCH_LOGLEVEL or 'info') */
  logLevel?: 'debug' | 'info' | 'notice' | 'warning' | 'err'
  /** the files of the local stream `local_stream://default` (8 kHz WAV); default: none */
  musicDir?: string
}

const HOST = '127.0.0.1'

const RTP_WINDOWS = 20 // 20000-21999, 22000-23999, ..., 58000-59999

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Claims one of the 2000-port RTP windows within 20000-60000, in random order, with a lock
 * file in the temp dir, so that FreeSWITCH instances of parallel test files never share ports.
 * A lock whose process is gone is taken over. When all are taken, shares a random one.
 */
function claimRtpWindow(): { start: number; end: number; release(): void } {
  const order = [...Array(RTP_WINDOWS).keys()].sort(() => Math.random() - 0.5)
  for (const i of order) {
    const lock = join(tmpdir(), `acd-freeswitch-rtp-${i}.lock`)
    for (let tries = 0; tries < 2; tries++) {
      try {
        const fd = openSync(lock, 'wx')
        writeSync(fd, String(process.pid))
        closeSync(fd)
        const start = 20_000 + i * 2_000
        return {
          start,
          end: start + 1_999,
          release: () => {
            try {
              if (readFileSync(lock, 'utf8') === String(process.pid)) rmSync(lock, { force: true })
            } catch {
              /* gone */
            }
          },
        }
      } catch {
        let owner = NaN
        try {
          owner = Number(readFileSync(lock, 'utf8'))
        } catch {
          /* removed meanwhile */
        }
        if (Number.isInteger(owner) && owner > 0 && pidAlive(owner)) break
        rmSync(lock, { force: true }) // stale: its process is gone
      }
    }
  }
  const start = 20_000 + 2_000 * order[0]!
  return { start, end: start + 1_999, release: () => undefined }
}

/** Parses the `status` API output ("... 2 session(s) - peak 3, last 5min 3 ..."). */
function parseSessionCount(output: string): number {
  const m = /(\d+)\s+session\(s\)\s+-\s+peak/.exec(output)
  if (!m) throw new Error(`unexpected 'status' output: ${JSON.stringify(output)}`)
  return Number(m[1])
}

/** Parses `show channels count` output ("\n3 total.\n"). */
function parseChannelCount(output: string): number {
  const m = /(\d+)\s+total\./.exec(output)
  if (!m) throw new Error(`unexpected 'show channels count' output: ${JSON.stringify(output)}`)
  return Number(m[1])
}

/**
 * Starts a FreeSWITCH of its own with a generated minimal configuration (the drachtio_mrf
 * profile whose dialplan hands calls to drachtio-fsmrf's outbound event socket): free loopback
 * ports for the event socket and SIP, a 2000-port RTP window within 20000-60000 claimed with a
 * lock file (see claimRtpWindow),
 * sessions-per-second raised. Resolves once the event socket answers and the profile is
 * RUNNING. With `t`, it is stopped at teardown (temp dir kept, with a note, when the test failed).
 */
export async function startFreeswitch(t?: TestScope, opts: FreeswitchOptions = {}): Promise<FreeswitchHandle> {
  const bin = binaryOrThrow('freeswitch')
  const logLevel = opts.logLevel ?? (process.env['E2E_FREESWITCH_LOGLEVEL'] as FreeswitchOptions['logLevel']) ?? 'info'
  const dir = mkdtempSync(join(tmpdir(), 'acd-freeswitch-'))
  const logFile = join(dir, 'log', 'freeswitch.log')
  const stdoutFile = join(dir, 'stdout.log')
  const secret = randomBytes(12).toString('hex')
  for (const sub of ['log', 'db', 'run', 'temp', 'storage', 'cache', 'recordings']) mkdirSync(join(dir, sub), { recursive: true })

  let lastError = ''
  for (let attempt = 1; attempt <= 3; attempt++) {
    const eslPort = await freePort(HOST)
    const sipPort = await freeSipPort(HOST, [eslPort])
    const rtp = claimRtpWindow()
    const rtpStart = rtp.start
    const rtpEnd = rtp.end
    const files = freeswitchConfig({
      listenIp: HOST,
      eslPort,
      sipPort,
      secret,
      rtpStart,
      rtpEnd,
      sessionsPerSecond: opts.sessionsPerSecond ?? 1000,
      maxSessions: opts.maxSessions ?? 2000,
      logLevel: logLevel as FreeswitchSettings['logLevel'],
      musicDir: opts.musicDir ?? '$${sounds_dir}/music/8000',
    })
    rmSync(join(dir, 'conf'), { recursive: true, force: true })
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, 'conf', name)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, text)
    }
    const out = createWriteStream(stdoutFile, { flags: 'a' })
    out.write(`---- attempt ${attempt}: esl ${HOST}:${eslPort}, sip ${HOST}:${sipPort}, rtp ${rtpStart}-${rtpEnd}\n`)
    const d = (sub: string) => join(dir, sub)
    const args = [
      '-nf', '-nc', '-nonat',
      '-conf', d('conf'), '-log', d('log'), '-db', d('db'), '-run', d('run'),
      '-temp', d('temp'), '-storage', d('storage'), '-cache', d('cache'), '-recordings', d('recordings'),
    ]
    const proc = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    proc.stdout!.pipe(out, { end: false })
    proc.stderr!.pipe(out, { end: false })
    proc.once('exit', () => setTimeout(() => out.end(), 50))
    const unhook = killOnExit(proc)

    const deadline = Date.now() + 30_000
    let esl: EslClient | undefined
    let ready = false
    while (Date.now() < deadline && proc.exitCode === null && proc.signalCode === null) {
      try {
        esl ??= await EslClient.connect(HOST, eslPort, secret, 2000)
        const status = await esl.api('sofia status')
        if (new RegExp(`^\\s*${PROFILE}\\s+profile\\s.*RUNNING`, 'm').test(status)) {
          ready = true
          break
        }
      } catch {
        esl?.close()
        esl = undefined
      }
      await sleep(100)
    }
    if (!ready || !esl) {
      esl?.close()
      lastError = proc.exitCode !== null ? `exited with ${proc.exitCode}` : 'event socket or drachtio_mrf profile not ready after 30 s'
      await stopProcess(proc, 'SIGKILL')
      unhook()
      rtp.release()
      continue // most likely a port taken in between: try other ports
    }

    let conn: EslClient = esl
    const client = async (): Promise<EslClient> => {
      if (conn.closed) conn = await EslClient.connect(HOST, eslPort, secret)
      return conn
    }
    const api = async (cmd: string) => (await client()).api(cmd)
    let stopped: Promise<void> | undefined
    const handle: FreeswitchHandle = {
      eslPort,
      sipPort,
      secret,
      host: HOST,
      rtpPorts: { start: rtpStart, end: rtpEnd },
      dir,
      logFile,
      proc,
      api,
      channelCount: async () => parseChannelCount(await api('show channels count')),
      sessionCount: async () => parseSessionCount(await api('status')),
      waitForChannels: async (n, timeoutMs = 5000) => {
        const until = Date.now() + timeoutMs
        for (;;) {
          if ((await handle.sessionCount()) === n && (await handle.channelCount()) === n) return true
          if (Date.now() > until) return false
          await sleep(50)
        }
      },
      stop: () =>
        (stopped ??= (async () => {
          if (proc.exitCode === null && proc.signalCode === null) {
            try {
              // release the calls (BYEs go out), then exit at once: a full graceful shutdown
              // takes about 5 s and gains nothing for a throw-away instance
              if ((await handle.sessionCount()) > 0) {
                await api('hupall MANAGER_REQUEST')
                const until = Date.now() + 2000
                while (Date.now() < until && (await handle.sessionCount()) > 0) await sleep(50)
              }
              await api('fsctl shutdown now').catch(() => undefined)
            } catch {
              /* event socket gone: fall through to the signals */
            }
          }
          conn.close()
          await stopProcess(proc, 'SIGTERM', 3000)
          unhook()
          rtp.release()
        })()),
    }
    if (t) {
      t.teardown(async () => {
        await handle.stop()
        if (t.passing() && process.env['E2E_KEEP_LOGS'] !== '1') rmSync(dir, { recursive: true, force: true })
        else process.stderr.write(`FreeSWITCH files kept: ${dir} (log: ${logFile})\n`)
      })
    }
    return handle
  }
  throw new Error(`FreeSWITCH did not start (${lastError}); see ${dir}:\n${tail(logFile, 30) || tail(stdoutFile, 30)}`)
}
