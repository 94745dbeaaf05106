// The softswitch service: SIP front end, ACD engine and media, configured from the environment.
import { ConfigError } from '../config/errors'
import { EnvError } from '../redis/settings'
import { readEnv } from './env'
import { Service } from './service'

async function main(): Promise<void> {
  const service = new Service(readEnv())
  // A late rejection from a SIP or media library (a dialog already gone, a media server timing out)
  // is logged; it never takes the calls of this instance down with it.
  process.on('unhandledRejection', (err) => service.log.error({ err }, 'unhandled rejection'))
  process.on('SIGHUP', () => void service.reloadFile())
  let stopping = false
  const shutdown = (drainMs: number) => () => {
    if (stopping) return
    stopping = true
    service.log.info({ drainMs }, 'stopping')
    void service
      .drain(drainMs)
      .then(() => service.stop())
      .then(() => process.exit(0))
  }
  // SIGTERM: drain the calls in progress (bounded), then exit; SIGINT: at once
  process.on('SIGTERM', shutdown(service.env.drainSeconds * 1000))
  process.on('SIGINT', shutdown(0))
  await service.start()
}

main().catch((err) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : err instanceof EnvError ? `service not started: ${err.message}\n` : `service failed to start: ${(err as Error).stack}\n`)
  process.exit(1)
})
