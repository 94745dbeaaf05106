/* eslint-disable @typescript-eslint/no-explicit-any */
const cell = (v: unknown): string => {
  if (v === undefined || v === null) return ''
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v)
  return s.length > 48 ? `${s.slice(0, 45)}...` : s
}

/** A list ({ items }) as a table of its fields; one object as field: value lines. */
export function table(value: any): string {
  if (value && Array.isArray(value.items)) {
    const items = value.items as Record<string, unknown>[]
    if (items.length === 0) return '(none)\n'
    const cols: string[] = []
    for (const it of items) for (const k of Object.keys(it)) if (!cols.includes(k)) cols.push(k)
    const rows = [cols.map((c) => c.toUpperCase()), ...items.map((it) => cols.map((c) => cell(it[c])))]
    const widths = cols.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
    const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd())
    if (value.next_cursor) lines.push(`(more: --cursor ${value.next_cursor})`)
    if (value.next_after) lines.push(`(more: --after ${value.next_after})`)
    return `${lines.join('\n')}\n`
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value)
    const w = Math.max(...keys.map((k) => k.length))
    return `${keys.map((k) => `${k.padEnd(w)}  ${typeof value[k] === 'object' && value[k] !== null ? JSON.stringify(value[k]) : String(value[k])}`).join('\n')}\n`
  }
  return `${String(value)}\n`
}
