// A real softphone as the agent: baresip (Debian) headless. It registers with digest through the
// given outbound proxy, auto-answers, sends a tone from a WAV file as its microphone, writes the
// audio it receives to WAV files (module sndfile), and is driven over ctrl_tcp (netstring JSON).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { analyseTone, type ToneReport } from '../../src/media/tone'
import { binaryOrThrow } from '../../src/stack/binaries'
import { killOnExit, sleep, stopProcess } from '../../src/stack/child'
import { assertLoopback, freePort, freeUdpPort } from '../../src/stack/ports'

export interface BaresipEvent {
  type: string
  class?: string
  param?: string
  peeruri?: string
  [key: string]: unknown
}

export interface BaresipOptions {
  /** loopback address the phone binds (SIP and RTP) */
  ip: string
  user: string
  domain: string
  password: string
  /** host:port of the registrar / outbound proxy (drachtio-server) */
  proxy: string
  /** the tone the phone sends, Hz */
  toneHz: number
  /** codecs the phone offers and accepts, in its order of preference (default PCMU,PCMA) */
  codecs?: string[]
}

export interface BaresipPhone {
  ip: string
  sipPort: number
  dir: string
  events: BaresipEvent[]
  /** runs a command (as typed at baresip's long-command prompt) and resolves its text output */
  command(command: string, params?: string): Promise<string>
  /** resolves once the account is registered (polling `reginfo`) */
  registered(timeoutMs?: number): Promise<void>
  /** resolves the first event (past or future) matching, after `from` events */
  waitEvent(match: (e: BaresipEvent) => boolean, timeoutMs?: number, from?: number): Promise<BaresipEvent>
  /** the codec the phone decodes in its newest call (from its log) */
  decoder(): string | undefined
  /** decoded audio the phone received, from the newest recording, and its sample rate */
  received(): { rate: number; samples: Float64Array }
  /** how much of the received audio, from `skipSeconds` on, is the tone `hz` */
  heard(hz: number, skipSeconds?: number): ToneReport
  stop(): Promise<void>
}

/**
 * The first channel of a 16-bit PCM WAV file and its sample rate, read to the end of the file
 * (the header's sizes may not be final while the phone still writes it).
 */
function readWav(file: string): { rate: number; samples: Float64Array } {
  const buf = readFileSync(file)
  let off = 12
  let rate = 8000
  let channels = 1
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4)
    const size = buf.readUInt32LE(off + 4)
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(off + 10)
      rate = buf.readUInt32LE(off + 12)
    } else if (id === 'data') {
      const data = buf.subarray(off + 8)
      const out = new Float64Array(Math.floor(data.length / 2 / channels))
      for (let i = 0; i < out.length; i++) out[i] = data.readInt16LE(i * 2 * channels)
      return { rate, samples: out }
    }
    off += 8 + size + (size & 1)
  }
  return { rate, samples: new Float64Array(0) }
}

function netstring(json: unknown): string {
  const body = JSON.stringify(json)
  return `${Buffer.byteLength(body)}:${body},`
}

export async function startBaresip(t: Test, o: BaresipOptions): Promise<BaresipPhone> {
  assertLoopback(o.ip, 'baresip address')
  const bin = binaryOrThrow('baresip')
  const dir = mkdtempSync(join(tmpdir(), 'acd-baresip-'))
  const rec = join(dir, 'rec')
  mkdirSync(rec)
  const tone = join(dir, 'tone.wav')
  const sox = spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', tone, 'synth', '300', 'sine', String(o.toneHz), 'vol', '0.25'])
  if (sox.status !== 0) throw new Error(`sox could not write the phone's tone: ${sox.stderr}`)
  const sipPort = await freeUdpPort(o.ip)
  const ctrlPort = await freePort()
  const rtpBase = 10_000 + 2 * Math.floor(Math.random() * 4_000)
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${o.ip}:${sipPort}`,
      `net_interface ${o.ip}`,
      'call_local_timeout 120',
      'call_max_calls 4',
      'audio_player alsa,null',
      `audio_source aufile,${tone}`,
      'audio_alert alsa,null',
      'ausrc_srate 8000',
      'auplay_srate 8000',
      'ausrc_channels 1',
      'auplay_channels 1',
      `rtp_ports ${rtpBase}-${rtpBase + 40}`,
      'rtp_timeout 0',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module opus.so',
      'module aufile.so',
      'module alsa.so',
      'module sndfile.so',
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      `snd_path ${rec}`,
      '',
    ].join('\n'),
  )
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${o.user}@${o.domain}>;auth_pass=${o.password};outbound="sip:${o.proxy}";answermode=auto;regint=600;audio_codecs=${(o.codecs ?? ['PCMU', 'PCMA']).join(',')}\n`,
  )
  const log = createWriteStream(join(dir, 'baresip.log'))
  // its ALSA null player never blocks and spins a core: run it below the stack under test
  const proc: ChildProcess = spawn('nice', ['-n', '10', bin, '-f', dir, '-v'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stdout!.pipe(log)
  proc.stderr!.pipe(log)
  const unhook = killOnExit(proc)

  let socket: Socket | undefined
  for (const until = Date.now() + 10_000; !socket; ) {
    try {
      socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: ctrlPort }, () => resolve(s))
        s.once('error', reject)
      })
    } catch (err) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error(`baresip control socket not up: ${(err as Error).message}; see ${dir}/baresip.log`)
      await sleep(100)
    }
  }
  const events: BaresipEvent[] = []
  const replies = new Map<string, (r: { ok: boolean; data: string }) => void>()
  const listeners = new Set<() => void>()
  let buf = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buf += chunk
    for (;;) {
      const colon = buf.indexOf(':')
      if (colon < 0) return
      const len = Number(buf.slice(0, colon))
      if (buf.length < colon + 1 + len + 1) return
      const msg = JSON.parse(buf.slice(colon + 1, colon + 1 + len)) as Record<string, unknown>
      buf = buf.slice(colon + 1 + len + 1)
      if (msg['event']) {
        events.push(msg as BaresipEvent)
        for (const l of [...listeners]) l()
      } else if (msg['response']) {
        replies.get(String(msg['token']))?.({ ok: Boolean(msg['ok']), data: String(msg['data'] ?? '') })
      }
    }
  })
  let seq = 0
  const phone: BaresipPhone = {
    ip: o.ip,
    sipPort,
    dir,
    events,
    command: (command, params) =>
      new Promise((resolve, reject) => {
        const token = `c${++seq}`
        const timer = setTimeout(() => reject(new Error(`baresip: no answer to ${command}`)), 5000)
        replies.set(token, (r) => {
          clearTimeout(timer)
          replies.delete(token)
          if (r.ok) resolve(r.data)
          else reject(new Error(`baresip ${command} ${params ?? ''}: ${r.data}`))
        })
        socket!.write(netstring({ command, params, token }))
      }),
    waitEvent: (match, timeoutMs = 10_000, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(from).find(match)
          if (!found) return false
          listeners.delete(check)
          clearTimeout(timer)
          resolve(found)
          return true
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`baresip: no matching event in ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`))
        }, timeoutMs)
        listeners.add(check)
        check()
      }),
    registered: async (timeoutMs = 10_000) => {
      let info = ''
      for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(200)) {
        info = (await phone.command('reginfo')).replace(/\x1b\[[0-9;]*m/g, '')
        if (/\sOK\s/.test(info)) return
      }
      throw new Error(`baresip ${o.user}: not registered after ${timeoutMs} ms: ${info}`)
    },
    decoder: () => [...readFileSync(join(dir, 'baresip.log'), 'utf8').matchAll(/Set audio decoder: (\S+)/g)].at(-1)?.[1],
    received: () => {
      const files = readdirSync(rec)
        .filter((f) => /dec\.wav$/.test(f))
        .map((f) => ({ f, at: statSync(join(rec, f)).mtimeMs }))
        .sort((a, b) => a.at - b.at)
      const newest = files.at(-1)
      return newest ? readWav(join(rec, newest.f)) : { rate: 8000, samples: new Float64Array(0) }
    },
    heard: (hz, skipSeconds = 0) => {
      const { rate, samples } = phone.received()
      return analyseTone(samples.subarray(Math.round(skipSeconds * rate)), hz, { sampleRate: rate })
    },
    stop: async () => {
      socket?.destroy()
      await stopProcess(proc, 'SIGTERM', 2000)
      unhook()
    },
  }
  t.teardown(async () => {
    await phone.stop()
    if (t.passing() && process.env['E2E_KEEP_LOGS'] !== '1') rmSync(dir, { recursive: true, force: true })
    else process.stderr.write(`baresip files kept: ${dir}\n`)
  })
  return phone
}
