import type { HourRange } from '../config/model-calendar'

/** "08:30" -> 510; "24:00" -> 1440; undefined when not a time of day. */
export function parseTime(text: string): number | undefined {
  const m = /^([0-9]{2}):([0-9]{2})$/.exec(text)
  if (!m) return undefined
  const h = Number(m[1])
  const min = Number(m[2])
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined
  return h * 60 + min
}

/** "08:30-12:30" -> { start: 510, end: 750 }, or why not. */
export function parseRange(text: string): HourRange | string {
  const m = /^(.*)-(.*)$/.exec(text)
  if (!m) return `not a range of hours "HH:MM-HH:MM": "${text}"`
  const start = parseTime(m[1]!)
  const end = parseTime(m[2]!)
  if (start === undefined || start === 1440) return `not a time of day (00:00..23:59): "${m[1]}" in "${text}"`
  if (end === undefined) return `not a time of day (00:00..24:00): "${m[2]}" in "${text}"`
  if (end <= start) return `the range ends before it starts: "${text}"`
  return { start, end }
}

/** Sorted union of ranges (touching ranges are joined). */
export function union(...sets: HourRange[][]): HourRange[] {
  const all = sets.flat().sort((a, b) => a.start - b.start)
  const out: HourRange[] = []
  for (const r of all) {
    const last = out[out.length - 1]
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end)
    else out.push({ ...r })
  }
  return out
}

/** `ranges` without the minutes of `cut`. */
export function subtract(ranges: HourRange[], cut: HourRange[]): HourRange[] {
  let out = ranges.map((r) => ({ ...r }))
  for (const c of cut) {
    out = out.flatMap((r) => {
      if (c.end <= r.start || c.start >= r.end) return [r]
      const parts: HourRange[] = []
      if (c.start > r.start) parts.push({ start: r.start, end: c.start })
      if (c.end < r.end) parts.push({ start: c.end, end: r.end })
      return parts
    })
  }
  return out
}

export function within(ranges: HourRange[], minute: number): boolean {
  return ranges.some((r) => r.start <= minute && minute < r.end)
}

export function formatRange(r: HourRange): string {
  const f = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
  return `${f(r.start)}-${f(r.end)}`
}
