import { existsSync, readFileSync } from 'node:fs'

/** The service's log after a bench run: lines by level, and the most frequent warnings and errors. */
export function serviceLogSummary(file: string): { levels: Record<string, number>; top: string[] } {
  const names: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
  const levels: Record<string, number> = {}
  const msgs = new Map<string, number>()
  if (!existsSync(file)) return { levels, top: [] }
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue
    let entry: { level?: number; msg?: string; err?: { message?: string } | string; reason?: string; status?: number } | undefined
    try {
      entry = JSON.parse(line) as typeof entry
    } catch {
      levels['unparsed'] = (levels['unparsed'] ?? 0) + 1
      const k = `(raw) ${line.slice(0, 160)}`
      msgs.set(k, (msgs.get(k) ?? 0) + 1)
      continue
    }
    const level = names[entry?.level ?? 30] ?? String(entry?.level)
    levels[level] = (levels[level] ?? 0) + 1
    if ((entry?.level ?? 0) >= 40) {
      const err = typeof entry?.err === 'string' ? entry.err : entry?.err?.message
      const k = `${level}: ${entry?.msg ?? ''}${err ? ` (${err.slice(0, 120)})` : ''}${entry?.reason ? ` reason=${entry.reason}` : ''}${entry?.status ? ` status=${entry.status}` : ''}`
      msgs.set(k, (msgs.get(k) ?? 0) + 1)
    }
  }
  const top = [...msgs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${v} x ${k}`)
  return { levels, top }
}
