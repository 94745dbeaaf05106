// A SIPp load caller for the benchmarks: the uac-load scenario at a fixed rate, read back from
// SIPp's statistics and response-time files.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { binaryOrThrow } from '../stack/binaries'
import { killOnExit, stopProcess } from '../stack/child'
import { freeUdpPort } from '../stack/ports'
import { scenarioPath } from '../stack/sipp'

export interface LoadResult {
  label: string
  rate: number
  offered: number
  successful: number
  /** every offered call that did not succeed (failed, or still running when stopped) */
  failed: number
  /** from the start to the last 200 OK received, seconds */
  elapsedS: number
  cps: number
  /** INVITE to 200 OK at the caller, ms, one per successful call */
  setupMs: number[]
  code: number
  timedOut: boolean
  /** non-zero SIPp failure counters, e.g. FailedTimeoutOnRecv */
  failures: Record<string, number>
  retransmissions: number
  errorsTail: string
  dir: string
}

function parseStat(file: string): Array<Record<string, string>> {
  if (!existsSync(file)) return []
  const lines = readFileSync(file, 'latin1').split('\n').filter((l) => l.trim() !== '')
  const header = lines[0]?.split(';') ?? []
  return lines.slice(1).map((l) => {
    const cells = l.split(';')
    const row: Record<string, string> = {}
    header.forEach((h, i) => (row[h] = cells[i] ?? ''))
    return row
  })
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export interface LoadOptions {
  label: string
  /** host:port to call (loopback) */
  target: string
  rate: number
  seconds: number
  /** the caller's address (a trunk's allowed source) */
  callerIp: string
  /** the DDI called */
  ddi: string
  talkMs: number
  /** how long calls may still finish after the last is placed */
  drainMs: number
  progress: (line: string) => void
  /** registers a stop function to run if the bench is interrupted; returns its removal */
  onInterrupt: (stop: () => Promise<unknown>) => () => void
}

/** SIPp uac-load at a fixed rate, with its statistics and the INVITE-to-200 time of every call. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'acd-bench-sipp-'))
  const statFile = join(dir, 'stat.csv')
  const errorFile = join(dir, 'errors.log')
  const offered = Math.max(1, Math.round(o.rate * o.seconds))
  const port = await freeUdpPort(o.callerIp)
  const argv = [
    '-sf', scenarioPath('uac-load'), o.target,
    '-i', o.callerIp, '-p', String(port), '-nostdin',
    '-s', o.ddi, '-set', 'talk', String(o.talkMs),
    '-r', String(o.rate), '-m', String(offered), '-l', String(Math.max(2000, o.rate * 30)),
    '-trace_rtt', '-rtt_freq', '1',
    '-trace_stat', '-stf', statFile, '-fd', '1',
    '-trace_err', '-error_file', errorFile,
  ]
  const started = Date.now()
  // SIPp writes <scenario>_<pid>_rtt.csv into its working directory: our own temp dir
  const proc = spawn(binaryOrThrow('sipp'), argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  const unhook = killOnExit(proc)
  let stderr = ''
  proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('latin1')).slice(-8192)))
  const forget = o.onInterrupt(() => stopProcess(proc, 'SIGTERM', 2000))
  let timedOut = false
  const limit = setTimeout(() => {
    timedOut = true
    void stopProcess(proc, 'SIGTERM', 3000)
  }, o.seconds * 1000 + o.drainMs)
  const ticker = setInterval(() => {
    const last = parseStat(statFile).at(-1)
    if (last) {
      o.progress(
        `  ${o.label}: ${Math.round((Date.now() - started) / 1000)} s, created ${last['TotalCallCreated']}/${offered}, ok ${last['SuccessfulCall(C)']}, failed ${last['FailedCall(C)']}, up ${last['CurrentCall']}, retrans ${last['Retransmissions(C)']}`,
      )
    }
  }, 10_000)
  const code = await new Promise<number>((resolve) => {
    proc.once('close', (c, signal) => resolve(c ?? (signal ? 128 : 255)))
    proc.once('error', (err) => {
      stderr += `\n${String(err)}`
    })
  })
  clearTimeout(limit)
  clearInterval(ticker)
  unhook()
  forget()

  const last = parseStat(statFile).at(-1) ?? {}
  const count = (k: string) => Number(last[k] ?? 0) || 0
  const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'))
  const rows = rttFile
    ? readFileSync(join(dir, rttFile), 'latin1')
        .split('\n')
        .slice(1)
        .map((l) => l.split(';'))
        .filter((c) => c.length >= 3 && c[2]!.trim() === '1')
        .map((c) => ({ at: Number(c[0]), ms: Number(c[1]) }))
        .filter((r) => Number.isFinite(r.at) && Number.isFinite(r.ms))
    : []
  const successful = count('SuccessfulCall(C)')
  const elapsedS = rows.length ? Math.max(...rows.map((r) => r.at)) / 1000 : (Date.now() - started) / 1000
  const failures: Record<string, number> = {}
  for (const [k, v] of Object.entries(last)) {
    if (k.startsWith('Failed') && k.endsWith('(C)') && k !== 'FailedCall(C)' && Number(v) > 0) failures[k.slice(6, -3)] = Number(v)
  }
  const errors = existsSync(errorFile) ? readFileSync(errorFile, 'latin1') : ''
  return {
    label: o.label,
    rate: o.rate,
    offered,
    successful,
    failed: offered - successful,
    elapsedS,
    cps: elapsedS > 0 ? successful / elapsedS : 0,
    setupMs: rows.map((r) => r.ms).sort((a, b) => a - b),
    code,
    timedOut,
    failures,
    retransmissions: count('Retransmissions(C)'),
    errorsTail: (errors.trim().split('\n').slice(-12).join('\n') + (stderr.trim() ? `\nstderr: ${stderr.trim().slice(-1000)}` : '')).trim(),
    dir,
  }
}

/** One line: rate, offered, ok, failed, cps, setup time percentiles, retransmissions, SIPp failures. */
export function describe(r: LoadResult): string {
  const p50 = percentile(r.setupMs, 50)
  const p99 = percentile(r.setupMs, 99)
  const f = Object.entries(r.failures).map(([k, v]) => `${k}=${v}`).join(',')
  return (
    `${r.label}: rate=${r.rate} offered=${r.offered} ok=${r.successful} failed=${r.failed} cps=${r.cps.toFixed(1)} ` +
    `p50_ms=${Math.round(p50)} p99_ms=${Math.round(p99)} retrans=${r.retransmissions} sipp_exit=${r.code}${r.timedOut ? ' (time limit)' : ''}${f ? ` failures{${f}}` : ''}`
  )
}

/** Removes SIPp's files of a run without failures; else says where they are and the last errors. */
export function reportFailures(r: LoadResult, progress: (line: string) => void): void {
  if (r.failed === 0) {
    rmSync(r.dir, { recursive: true, force: true })
    return
  }
  progress(`  SIPp files kept: ${r.dir}`)
  if (r.errorsTail) progress(`  last SIPp errors:\n${r.errorsTail.replace(/^/gm, '    ')}`)
}
