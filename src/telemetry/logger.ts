import pino, { type Logger } from 'pino'

export type { Logger }

/** JSON logs. Call-related lines carry `tenant` and `call`. */
export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  const base = { level: options.level ?? process.env['LOG_LEVEL'] ?? 'info', name: options.name ?? 'acd' }
  return options.destination ? pino(base, options.destination) : pino(base)
}

/** Silent logger for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' })
