import { createSocket } from 'node:dgram'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, isIP } from 'node:net'
import { freePort } from '../redis/private-server'

export { freePort }

/** True for 127.0.0.0/8, ::1 and localhost: the only addresses the SIP tests may use. */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  return isIP(h) === 4 && h.startsWith('127.')
}

export function assertLoopback(host: string, what: string): void {
  if (!isLoopback(host)) throw new Error(`${what} ${host} is not a loopback address (only 127.0.0.0/8 and ::1 may be used)`)
}

/** Tries to bind UDP `port` on `host`; resolves the bound port, or undefined when taken. */
function bindUdp(port: number, host = '127.0.0.1'): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4')
    sock.once('error', () => {
      sock.close()
      resolve(undefined)
    })
    sock.bind(port, host, () => {
      const bound = sock.address().port
      sock.close(() => resolve(bound))
    })
  })
}

function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', () => resolve(false))
    srv.listen(port, host, () => srv.close(() => resolve(true)))
  })
}

/** A free UDP port on loopback. */
export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const port = await bindUdp(0, host)
  if (!port) throw new Error(`no free UDP port on ${host}`)
  return port
}

/** A port free for both UDP and TCP on `host` (a SIP listener takes both), not in `avoid`. */
export async function freeSipPort(host = '127.0.0.1', avoid: readonly number[] = []): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freeUdpPort(host)
    if (avoid.includes(port)) continue
    if (await tcpFree(port, host)) return port
  }
  throw new Error(`no port free for both UDP and TCP on ${host}`)
}

/**
 * Whether some process has UDP `port` bound (any address), without touching it: reads
 * /proc/net/udp{,6}; elsewhere, tries to bind it on `host` (which may race with the owner).
 */
export async function udpPortBound(port: number, host = '127.0.0.1'): Promise<boolean> {
  const tables = ['/proc/net/udp', '/proc/net/udp6'].filter((f) => existsSync(f))
  if (tables.length === 0) return (await bindUdp(port, host)) === undefined
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  for (const table of tables) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1]
      if (local?.endsWith(hex)) return true
    }
  }
  return false
}
