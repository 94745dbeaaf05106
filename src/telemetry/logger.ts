import pino, { type Logger } from 'pino'

export type { Logger }

/** JSON logs. Call-related lines carry `tenant` and `call` (use callLogger). */
export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  const base = { level: options.level ?? process.env['LOG_LEVEL'] ?? 'info', name: options.name ?? 'acd' }
  return options.destination ? pino(base, options.destination) : pino(base)
}

/** A child logger bound to one call of one tenant: every line it writes carries both ids. */
export function callLogger(log: Logger, tenant: string, call: string, extra: Record<string, unknown> = {}): Logger {
  return log.child({ tenant, call, ...extra })
}

/** Silent logger for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' })
