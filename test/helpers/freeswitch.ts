import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Test } from 'tap'
import { binaryOrThrow } from './binaries'
import { killOnExit, sleep, stopProcess, tail } from './child'
import { freePort, freeSipPort } from './ports'

// ------------------------------------------------------------------------------------------
// A minimal event socket (ESL) client: inbound connection, password auth, `api` commands.

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

interface EslFrame {
  headers: Record<string, string>
  body: string
}

/** One inbound event socket connection to FreeSWITCH; commands are answered in order. */
export class EslClient {
  private buffer = Buffer.alloc(0)
  private readonly waiting: Array<{ resolve: (f: EslFrame) => void; reject: (e: Error) => void }> = []
  private closedError: Error | undefined

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.parse()
    })
    const fail = (err: Error) => {
      this.closedError ??= err
      for (const w of this.waiting.splice(0)) w.reject(err)
    }
    socket.on('error', fail)
    socket.on('close', () => fail(new Error('event socket closed')))
  }

  /** Connects and authenticates; rejects on a wrong password or an ACL refusal. */
  static async connect(host: string, port: number, password: string, timeoutMs = 5000): Promise<EslClient> {
    const socket = connect({ host, port })
    socket.setNoDelay(true)
    const client = new EslClient(socket)
    const timer = setTimeout(() => socket.destroy(new Error(`event socket ${host}:${port}: no answer in ${timeoutMs} ms`)), timeoutMs)
    try {
      const hello = await client.next()
      if (hello.headers['Content-Type'] !== 'auth/request') {
        throw new Error(`event socket ${host}:${port}: expected auth/request, got ${hello.headers['Content-Type']} ${hello.body}`.trim())
      }
      socket.write(`auth ${password}\n\n`)
      const reply = await client.next()
      if (!(reply.headers['Reply-Text'] ?? '').startsWith('+OK')) {
        throw new Error(`event socket ${host}:${port}: authentication refused (${reply.headers['Reply-Text'] ?? reply.body})`)
      }
      return client
    } catch (err) {
      socket.destroy()
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  get closed(): boolean {
    return this.closedError !== undefined
  }

  /** Runs an API command and resolves its text output. */
  async api(command: string, timeoutMs = 10_000): Promise<string> {
    if (/[\r\n]/.test(command)) throw new Error('an ESL command is one line')
    const frame = this.next(timeoutMs)
    this.socket.write(`api ${command}\n\n`)
    const reply = await frame
    if (reply.headers['Content-Type'] !== 'api/response') {
      throw new Error(`api ${command}: unexpected ${reply.headers['Content-Type']} ${reply.body}`.trim())
    }
    return reply.body
  }

  close(): void {
    this.socket.destroy()
  }

  private next(timeoutMs = 10_000): Promise<EslFrame> {
    if (this.closedError) return Promise.reject(this.closedError)
    return new Promise((resolve, reject) => {
      const entry = {
        resolve: (f: EslFrame) => {
          clearTimeout(timer)
          resolve(f)
        },
        reject: (e: Error) => {
          clearTimeout(timer)
          reject(e)
        },
      }
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry)
        if (i >= 0) this.waiting.splice(i, 1)
        // answers come in order: a lost one would shift every later answer, so give up on the socket
        this.socket.destroy()
        reject(new Error(`event socket: no answer in ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.push(entry)
    })
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf('\n\n')
      if (end < 0) return
      const headers: Record<string, string> = {}
      for (const line of this.buffer.subarray(0, end).toString('utf8').split('\n')) {
        const colon = line.indexOf(':')
        if (colon > 0) headers[line.slice(0, colon).trim()] = safeDecode(line.slice(colon + 1).trim())
      }
      const length = Number(headers['Content-Length'] ?? 0)
      if (this.buffer.length < end + 2 + length) return
      const body = this.buffer.subarray(end + 2, end + 2 + length).toString('utf8')
      this.buffer = this.buffer.subarray(end + 2 + length)
      if (headers['Content-Type'] === 'text/disconnect-notice' || headers['Content-Type'] === 'text/rude-rejection') {
        const err = new Error(`event socket: ${headers['Content-Type']} ${body}`.trim())
        this.closedError ??= err
        for (const w of this.waiting.splice(0)) w.reject(err)
        continue
      }
      const w = this.waiting.shift()
      if (w) w.resolve({ headers, body })
    }
  }
}

// ------------------------------------------------------------------------------------------
// FreeSWITCH with a generated minimal configuration (as the one drachtio-fsmrf expects).

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
const PROFILE = 'drachtio_mrf'

/** The configuration files, relative to conf/. */
function configFiles(o: {
  eslPort: number
  sipPort: number
  secret: string
  rtpStart: number
  rtpEnd: number
  sessionsPerSecond: number
  maxSessions: number
  logLevel: string
  musicDir: string
}): Record<string, string> {
  return {
    'freeswitch.xml': `<?xml version="1.0"?>
<!-- generated by test/helpers/freeswitch.ts -->
<document type="freeswitch/xml">
  <X-PRE-PROCESS cmd="include" data="vars.xml"/>
  <section name="configuration" description="Various Configuration">
    <X-PRE-PROCESS cmd="include" data="autoload_configs/*.xml"/>
  </section>
  <section name="dialplan" description="Regex/XML Dialplan">
    <X-PRE-PROCESS cmd="include" data="dialplan/*.xml"/>
  </section>
</document>
`,
    'vars.xml': `<include>
  <X-PRE-PROCESS cmd="set" data="local_ip_v4=${HOST}"/>
  <X-PRE-PROCESS cmd="set" data="domain=${HOST}"/>
  <X-PRE-PROCESS cmd="set" data="global_codec_prefs=PCMU,PCMA,OPUS"/>
  <X-PRE-PROCESS cmd="set" data="outbound_codec_prefs=PCMU,PCMA,OPUS"/>
  <X-PRE-PROCESS cmd="set" data="console_loglevel=${o.logLevel}"/>
</include>
`,
    'autoload_configs/modules.conf.xml': `<configuration name="modules.conf" description="Modules">
  <modules>
${[
  'mod_console', 'mod_logfile', 'mod_event_socket', 'mod_sofia', 'mod_loopback', 'mod_commands', 'mod_conference',
  'mod_db', 'mod_dptools', 'mod_expr', 'mod_hash', 'mod_httapi', 'mod_dialplan_xml', 'mod_spandsp', 'mod_opus',
  'mod_sndfile', 'mod_native_file', 'mod_local_stream', 'mod_tone_stream', 'mod_say_en',
]
  .map((m) => `    <load module="${m}"/>`)
  .join('\n')}
  </modules>
</configuration>
`,
    'autoload_configs/switch.conf.xml': `<configuration name="switch.conf" description="Core Configuration">
  <settings>
    <param name="colorize-console" value="false"/>
    <param name="max-db-handles" value="50"/>
    <param name="db-handle-timeout" value="10"/>
    <param name="max-sessions" value="${o.maxSessions}"/>
    <param name="sessions-per-second" value="${o.sessionsPerSecond}"/>
    <param name="loglevel" value="${o.logLevel}"/>
    <param name="rtp-start-port" value="${o.rtpStart}"/>
    <param name="rtp-end-port" value="${o.rtpEnd}"/>
    <param name="rtp-enable-zrtp" value="false"/>
    <param name="dump-cores" value="no"/>
  </settings>
</configuration>
`,
    'autoload_configs/event_socket.conf.xml': `<configuration name="event_socket.conf" description="Socket Client">
  <settings>
    <param name="nat-map" value="false"/>
    <param name="listen-ip" value="${HOST}"/>
    <param name="listen-port" value="${o.eslPort}"/>
    <param name="password" value="${o.secret}"/>
    <param name="apply-inbound-acl" value="loopback.auto"/>
  </settings>
</configuration>
`,
    'autoload_configs/acl.conf.xml': `<configuration name="acl.conf" description="Network Lists">
  <network-lists>
    <list name="socket_acl" default="deny">
      <node type="allow" cidr="127.0.0.1/32"/>
    </list>
  </network-lists>
</configuration>
`,
    'autoload_configs/console.conf.xml': `<configuration name="console.conf" description="Console Logger">
  <mappings>
    <map name="all" value="console,debug,info,notice,warning,err,crit,alert"/>
  </mappings>
  <settings>
    <param name="colorize" value="false"/>
    <param name="loglevel" value="$\${console_loglevel}"/>
  </settings>
</configuration>
`,
    'autoload_configs/logfile.conf.xml': `<configuration name="logfile.conf" description="File Logging">
  <settings>
    <param name="rotate-on-hup" value="true"/>
  </settings>
  <profiles>
    <profile name="default">
      <settings>
        <param name="rollover" value="104857600"/>
        <param name="loglevel" value="${o.logLevel}"/>
      </settings>
      <mappings>
        <map name="all" value="debug,info,notice,warning,err,crit,alert"/>
      </mappings>
    </profile>
  </profiles>
</configuration>
`,
    'autoload_configs/sofia.conf.xml': `<configuration name="sofia.conf" description="sofia Endpoint">
  <global_settings>
    <param name="log-level" value="0"/>
    <param name="debug-presence" value="0"/>
  </global_settings>
  <profiles>
    <X-PRE-PROCESS cmd="include" data="../sip_profiles/*.xml"/>
  </profiles>
</configuration>
`,
    'autoload_configs/conference.conf.xml': `<configuration name="conference.conf" description="Audio Conference">
  <caller-controls>
    <group name="default"/>
  </caller-controls>
  <profiles>
    <profile name="default">
      <param name="domain" value="$\${domain}"/>
      <param name="rate" value="8000"/>
      <param name="interval" value="20"/>
      <param name="energy-level" value="100"/>
      <param name="comfort-noise" value="false"/>
    </profile>
  </profiles>
</configuration>
`,
    'autoload_configs/opus.conf.xml': `<configuration name="opus.conf">
  <settings>
    <param name="use-vbr" value="1"/>
    <param name="complexity" value="10"/>
    <param name="keep-fec-enabled" value="1"/>
    <param name="maxaveragebitrate" value="0"/>
    <param name="maxplaybackrate" value="0"/>
  </settings>
</configuration>
`,
    // mod_local_stream refuses to load without a <directory>; the path need not exist (musicDir)
    'autoload_configs/local_stream.conf.xml': `<configuration name="local_stream.conf" description="stream files from local dir">
  <directory name="default" path="${o.musicDir}">
    <param name="rate" value="8000"/>
    <param name="shuffle" value="true"/>
    <param name="channels" value="1"/>
    <param name="interval" value="20"/>
    <param name="timer-name" value="soft"/>
  </directory>
</configuration>
`,
    'autoload_configs/httapi.conf.xml': `<configuration name="httapi.conf" description="HT-TAPI Hypertext Telephony API">
  <settings>
    <param name="file-not-found-expires" value="300"/>
    <param name="file-cache-ttl" value="300"/>
  </settings>
  <profiles>
    <profile name="default">
      <params>
        <param name="gateway-url" value="http://127.0.0.1/unused" />
      </params>
    </profile>
  </profiles>
</configuration>
`,
    // drachtio-fsmrf sends INVITEs with User-Agent "drachtio-fsmrf:<uuid>" and the address of its
    // outbound event socket listener in X-esl-outbound
    'dialplan/mrf.xml': `<include>
  <context name="mrf">
    <extension name="socket">
      <condition field="\${sip_user_agent}" expression="^drachtio-fsmrf:(.*)$">
        <action application="answer"/>
        <action application="set" data="send_silence_when_idle=-1"/>
        <action application="set" data="hangup_after_bridge=false"/>
        <action application="set" data="park_after_bridge=true"/>
        <action application="set" data="playback_terminators=none"/>
        <action application="socket" data="\${sip_h_X-esl-outbound} async full"/>
      </condition>
    </extension>
  </context>
</include>
`,
    'sip_profiles/mrf.xml': `<include>
  <profile name="${PROFILE}">
    <domains>
      <domain name="all" alias="false" parse="false"/>
    </domains>
    <settings>
      <param name="sip-trace" value="no"/>
      <param name="context" value="mrf"/>
      <param name="dialplan" value="XML"/>
      <param name="sip-ip" value="${HOST}"/>
      <param name="sip-port" value="${o.sipPort}"/>
      <param name="rtp-ip" value="${HOST}"/>
      <param name="ext-sip-ip" value="${HOST}"/>
      <param name="ext-rtp-ip" value="${HOST}"/>
      <param name="rfc2833-pt" value="101"/>
      <param name="dtmf-type" value="rfc2833"/>
      <param name="inbound-late-negotiation" value="true"/>
      <param name="inbound-codec-negotiation" value="greedy"/>
      <param name="codec-prefs" value="$\${global_codec_prefs}"/>
      <param name="auth-calls" value="false"/>
      <param name="enable-timer" value="false"/>
      <param name="rtp-timer-name" value="soft"/>
      <param name="user-agent-string" value="FreeSWITCH mrf"/>
      <param name="username" value="Mediaserver"/>
      <param name="manage-presence" value="false"/>
      <param name="inbound-reg-force-matching-username" value="false"/>
      <param name="nonce-ttl" value="86400"/>
      <param name="enable-3pcc" value="true"/>
      <param name="tls" value="false"/>
    </settings>
  </profile>
</include>
`,
  }
}

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
export function claimRtpWindow(): { start: number; end: number; release(): void } {
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
export function parseSessionCount(output: string): number {
  const m = /(\d+)\s+session\(s\)\s+-\s+peak/.exec(output)
  if (!m) throw new Error(`unexpected 'status' output: ${JSON.stringify(output)}`)
  return Number(m[1])
}

/** Parses `show channels count` output ("\n3 total.\n"). */
export function parseChannelCount(output: string): number {
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
export async function startFreeswitch(t?: Test, opts: FreeswitchOptions = {}): Promise<FreeswitchHandle> {
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
    const files = configFiles({
      eslPort,
      sipPort,
      secret,
      rtpStart,
      rtpEnd,
      sessionsPerSecond: opts.sessionsPerSecond ?? 1000,
      maxSessions: opts.maxSessions ?? 2000,
      logLevel,
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
