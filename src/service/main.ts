// The softswitch service: SIP front end, ACD engine and media, configured from the environment.
import { ConfigError } from '../config/errors'
import { readEnv } from './env'
import { Service } from './service'

async function main(): Promise<void> {
  const service = new Service(readEnv())
  // A late rejection from a SIP or media library (a dialog already gone, a media server timing out)
  // is logged; it never takes the calls of this instance down with it.
  process.on('unhandledRejection', (err) => service.log.error({ err }, 'unhandled rejection'))
  process.on('SIGHUP', () => service.store.reload())
  const shutdown = () => {
    service.log.info('stopping')
    void service.stop().then(() => process.exit(0))
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  await service.start()
}

main().catch((err) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `service failed to start: ${(err as Error).stack}\n`)
  process.exit(1)
})
