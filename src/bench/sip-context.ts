// bench:sip's settings (from the environment), its clean-up of everything it starts, and the
// pieces every phase shares: the load caller's options and the agent phone.
import type { ChildProcess } from 'node:child_process'
import { killOnExit } from '../stack/child'
import type { TestScope } from '../stack/scope'
import { startSippUas, type SippUas } from '../stack/sipp'
import type { LoadOptions } from './sipp-load'

export const num = (name: string, def: number): number => {
  const v = process.env[name]
  if (v === undefined || v === '') return def
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(v)}`)
  return n
}

export const RATE = num('BENCH_SIP_RATE', 200)
export const SECONDS = num('BENCH_SIP_SECONDS', 60)
export const MEDIA_RATE = num('BENCH_SIP_MEDIA_RATE', 10)
export const MEDIA_SECONDS = num('BENCH_SIP_MEDIA_SECONDS', 30)
export const OVERLOAD_RATE = num('BENCH_SIP_OVERLOAD_RATE', 120)
export const OVERLOAD_SECONDS = num('BENCH_SIP_OVERLOAD_SECONDS', 10)
export const BARE_RATES = (process.env['BENCH_SIP_BARE_RATES'] ?? '100,200,300,400,500,600').split(',').map((s) => Number(s.trim())).filter((n) => n > 0)
export const BARE_STEP_SECONDS = num('BENCH_SIP_BARE_STEP_SECONDS', 8)
export const AGENTS = Math.round(num('BENCH_SIP_AGENTS', 400))
export const TALK_MS = num('BENCH_SIP_TALK_MS', 1000)
export const SKIP_MEDIA = process.env['BENCH_SIP_SKIP_MEDIA'] === '1'
export const KEEP_LOGS = process.env['BENCH_SIP_KEEP_LOGS'] === '1'
/** Hard bound on the whole run: everything is stopped past it. */
export const WATCHDOG_MS = num('BENCH_SIP_MAX_SECONDS', 420) * 1000

export const DDI = '+33972000001'
export const CALLER_IP = '127.0.0.2'
export const AGENT_IP = '127.0.0.10'
export const TENANT = 'bench'
/** SIPp's per-step receive time-out is 30 s: a run that is still going that long after its last call is stuck. */
const DRAIN_MS = 40_000
/** A bare step sustaining less than this share of its offered rate is past the ceiling. */
export const SATURATED = 0.9

export const progress = (line: string) => process.stderr.write(`[bench-sip ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

// ------------------------------------------------------------------------------------------
// Clean-up of everything started, on success, failure and signals.

export const cleanups: Array<() => Promise<unknown> | unknown> = []
let cleaning: Promise<void> | undefined
export function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const f of cleanups.splice(0).reverse()) {
      try {
        await f()
      } catch (err) {
        progress(`clean-up step failed: ${(err as Error).message}`)
      }
    }
  })())
}

/** Where the starters register their stops. */
export const teardownOnly: TestScope = { teardown: (f) => void cleanups.push(f), passing: () => true }

/** The load caller's settings for this bench: the bench tenant's caller address and DDI. */
export function loadOptions(o: { label: string; target: string; rate: number; seconds: number }): LoadOptions {
  return {
    ...o,
    callerIp: CALLER_IP,
    ddi: DDI,
    talkMs: TALK_MS,
    drainMs: DRAIN_MS,
    progress,
    onInterrupt: (stop) => {
      cleanups.push(stop)
      return () => {
        const i = cleanups.indexOf(stop)
        if (i >= 0) cleanups.splice(i, 1)
      }
    },
  }
}

export function killChildOnExit(proc: ChildProcess): void {
  const unhook = killOnExit(proc)
  proc.once('exit', unhook)
}

/** The agent phone: one SIPp UAS taking every call concurrently, answering at once. */
export async function startAgentPhone(): Promise<SippUas> {
  const phone = await startSippUas({
    scenario: 'uas-agent-answer',
    localIp: AGENT_IP,
    calls: 10_000_000,
    timeoutMs: WATCHDOG_MS,
    traceMessages: false,
    args: ['-set', 'ring', '0', '-l', '100000'],
  })
  cleanups.push(() => phone.stop())
  return phone
}
