import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'

/** Resolves true when `proc` has exited (or exits within `ms`), false otherwise. */
export function waitExit(proc: ChildProcess, ms: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      proc.off('exit', onExit)
      resolve(false)
    }, ms)
    const onExit = () => {
      clearTimeout(timer)
      resolve(true)
    }
    proc.once('exit', onExit)
  })
}

/** Sends `signal`, then SIGKILL when the process is still there after `graceMs`. */
export async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  proc.kill(signal)
  if (await waitExit(proc, graceMs)) return
  proc.kill('SIGKILL')
  await waitExit(proc, 5000)
}

/**
 * Kills the child with SIGKILL if this process exits first (a crashed or interrupted test must
 * not leave servers behind). Returns the function that removes the hook.
 */
export function killOnExit(proc: ChildProcess): () => void {
  const hook = () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        proc.kill('SIGKILL')
      } catch {
        /* already gone */
      }
    }
  }
  process.once('exit', hook)
  return () => process.off('exit', hook)
}

/** Resolves when a TCP connection to host:port succeeds. */
export function tcpAccepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port })
    const done = (ok: boolean) => {
      clearTimeout(timer)
      sock.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}

/** The last `lines` lines of a text file ('' when it does not exist). */
export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return ''
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
