import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join, resolve } from 'node:path'

/** External programs the SIP end-to-end tests drive. */
export type BinaryName = 'drachtio' | 'freeswitch' | 'sipp' | 'baresip'

/** Environment variable that names each binary explicitly. */
export const BINARY_ENV: Record<BinaryName, string> = {
  drachtio: 'DRACHTIO_BIN',
  freeswitch: 'FREESWITCH_BIN',
  sipp: 'SIPP_BIN',
  baresip: 'BARESIP_BIN',
}

export const DESCRIPTION: Record<BinaryName, string> = {
  drachtio: 'drachtio-server',
  freeswitch: 'FreeSWITCH',
  sipp: 'SIPp (Debian package sip-tester)',
  baresip: 'baresip (Debian package baresip)',
}

/** Where a source build installs it when it is not on PATH. */
const WELL_KNOWN: Record<BinaryName, string[]> = {
  drachtio: ['/usr/local/bin/drachtio'],
  freeswitch: ['/usr/local/freeswitch/bin/freeswitch', '/usr/bin/freeswitch'],
  sipp: ['/usr/bin/sipp', '/usr/local/bin/sipp'],
  baresip: ['/usr/bin/baresip'],
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function searchPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, program)
    if (isExecutableFile(candidate)) return candidate
  }
  return undefined
}

/**
 * The path of an external binary: the environment variable (DRACHTIO_BIN, FREESWITCH_BIN,
 * SIPP_BIN) when it is set — and then only that, so a wrong value shows up as missing rather
 * than being silently replaced — otherwise the program on PATH, otherwise its usual install
 * location. `undefined` when not found or not executable.
 */
export function findBinary(name: BinaryName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[BINARY_ENV[name]]
  if (explicit !== undefined && explicit !== '') {
    if (explicit.includes('/')) {
      const path = isAbsolute(explicit) ? explicit : resolve(explicit)
      return isExecutableFile(path) ? path : undefined
    }
    return searchPath(explicit, env)
  }
  return searchPath(name, env) ?? WELL_KNOWN[name].find(isExecutableFile)
}

/** The same binary, or an Error saying how to provide it (for helpers that cannot skip). */
export function binaryOrThrow(name: BinaryName): string {
  const path = findBinary(name)
  if (!path) throw new Error(`${DESCRIPTION[name]} binary not found (set ${BINARY_ENV[name]} or put ${name} on PATH)`)
  return path
}
