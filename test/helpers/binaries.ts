import type { Test } from 'tap'
import { BINARY_ENV, DESCRIPTION, findBinary, type BinaryName } from '../../src/stack/binaries'

const announced = new Set<string>()

/** Writes `line` on stderr once per process (several tests of a file may skip for one reason). */
function announce(line: string): void {
  if (announced.has(line)) return
  announced.add(line)
  process.stderr.write(`${line}\n`)
}

/**
 * True when every named binary is there. Otherwise prints ONE loud line on stderr (once per
 * process for the same missing binaries), records a tap skip saying what is missing and how to
 * provide it, and returns false: the caller returns early. With SIP_E2E_REQUIRED=1 in the environment a missing binary is a failure instead.
 */
export function requireBinaries(t: Test, names: readonly BinaryName[]): boolean {
  const missing = names.filter((name) => !findBinary(name))
  if (missing.length === 0) return true
  const how = missing.map((name) => `${name} (set ${BINARY_ENV[name]} or put ${name} on PATH)`).join(', ')
  const what = missing.map((name) => `${DESCRIPTION[name]} binary not found`).join('; ')
  const hint = missing.map((name) => `set ${BINARY_ENV[name]} or put ${name} on PATH`).join('; ')
  if (process.env['SIP_E2E_REQUIRED'] === '1') {
    announce(`*** SIP END-TO-END TESTS REQUIRED BUT CANNOT RUN: missing ${how} ***`)
    t.fail(`${what} (${hint}); SIP_E2E_REQUIRED=1`)
    return false
  }
  announce(`*** SKIPPING SIP END-TO-END TESTS: missing ${how} ***`)
  void t.skip(`SKIPPED: ${what} (${hint})`, () => {})
  return false
}
