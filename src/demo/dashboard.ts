import type { AcdEngine } from '../acd/engine'
import type { QueueFigures } from '../sim/simulator'

const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const pad = (s: string | number, n: number) => String(s).padStart(n)
const padEnd = (s: string | number, n: number) => String(s).padEnd(n)

/** Live per-tenant figures as text: waiting, longest wait, service level, agents by state. */
export async function renderLive(engine: AcdEngine, simSeconds: number): Promise<string> {
  const lines: string[] = []
  const mm = Math.floor(simSeconds / 60)
  const ss = Math.floor(simSeconds % 60)
  lines.push(`ACD demo — simulated time ${mm}m${String(ss).padStart(2, '0')}s`)
  lines.push(
    `${padEnd('tenant/queue', 26)}${pad('waiting', 8)}${pad('longest', 9)}${pad('SL', 8)}${pad('offered', 9)}${pad('answd', 7)}${pad('aband', 7)}${pad('cback', 7)}   agents: avail ring talk wrap pause`,
  )
  for (const tenant of engine.platform.tenants.values()) {
    for (const q of tenant.queues) {
      const s = await engine.snapshot(tenant.id, q.id)
      const answered = s.stats['answered'] ?? 0
      const sl = answered ? (s.stats['answered_in_sl'] ?? 0) / answered : 1
      const a = s.agents
      lines.push(
        `${padEnd(`${tenant.id}/${q.id}`, 26)}${pad(s.waiting, 8)}${pad(`${Math.round(s.longestWaitMs / 1000)}s`, 9)}${pad(pct(sl), 8)}${pad(s.stats['offered'] ?? 0, 9)}${pad(answered, 7)}${pad(s.stats['abandoned'] ?? 0, 7)}${pad(q.callback ? s.callbacks : '-', 7)}` +
          `          ${pad(a.available, 5)}${pad(a.reserved, 5)}${pad(a['on-call'], 5)}${pad(a['wrap-up'], 5)}${pad(a.paused, 6)}`,
      )
    }
  }
  return lines.join('\n')
}

export function renderSummary(figures: QueueFigures[]): string {
  const lines = [
    `${padEnd('tenant/queue', 26)}${pad('offered', 9)}${pad('answered', 9)}${pad('abandoned', 10)}${pad('overflow', 9)}${pad('SL', 8)}${pad('mean wait', 11)}${pad('P(wait)', 9)}${pad('callbacks made/asked/given up', 31)}`,
  ]
  for (const f of figures) {
    lines.push(
      `${padEnd(`${f.tenant}/${f.queue}`, 26)}${pad(f.offered, 9)}${pad(f.answered, 9)}${pad(f.abandoned, 10)}${pad(f.overflowed, 9)}${pad(pct(f.serviceLevel), 8)}${pad(`${f.meanWait.toFixed(1)}s`, 11)}${pad(pct(f.pWait), 9)}${pad(f.callbacks ? `${f.callbacksConnected}/${f.callbacks}/${f.callbacksFailed}` : '-', 31)}`,
    )
  }
  return lines.join('\n')
}

/** Per tenant, then per queue, as the --json summary. */
export function summaryJson(figures: QueueFigures[]): Record<string, Record<string, Omit<QueueFigures, 'tenant' | 'queue'>>> {
  const out: Record<string, Record<string, Omit<QueueFigures, 'tenant' | 'queue'>>> = {}
  for (const { tenant, queue, ...rest } of figures) (out[tenant] ??= {})[queue] = rest
  return out
}
