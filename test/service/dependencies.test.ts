import { readFileSync } from 'node:fs'
import t from 'tap'
import { freePort } from '../../src/redis/private-server'
import { readEnv, parseMediaServers } from '../../src/service/env'
import { startApp } from '../../src/stack/app'
import { e2ePlatform } from '../helpers/e2e-platform'
import { withRedis } from '../helpers/redis'

t.test('unreachable drachtio-server and FreeSWITCH are named and retried; the service keeps running', async (t) => {
  const { server } = await withRedis(t)
  const [drachtioPort, eslPort] = [await freePort(), await freePort()]
  const app = await startApp(t, {
    configYaml: e2ePlatform(),
    redisUrl: server.url,
    drachtio: { host: '127.0.0.1', adminPort: drachtioPort, secret: 'x' },
    freeswitch: { host: '127.0.0.1', eslPort, secret: 'ClueCon' },
    waitHealthy: false,
  })
  await new Promise((r) => setTimeout(r, 3000))
  t.equal(app.proc.exitCode, null, 'still running')
  t.match(await app.health(), { ok: false, redis: true, drachtio: false, mediaServers: { configured: 1, connected: 0 } })
  const log = readFileSync(app.logFile, 'utf8')
  const retries = (what: RegExp) => log.split('\n').filter((l) => what.test(l)).length
  t.ok(retries(/drachtio-server unreachable, retrying/) >= 2, 'drachtio named and retried')
  t.ok(retries(/FreeSWITCH unreachable, retrying/) >= 2, 'FreeSWITCH named and retried')
})

t.test('environment parsing', async (t) => {
  t.same(parseMediaServers('10.0.0.1:8021:s3cret, 10.0.0.2:8022:a:b'), [
    { host: '10.0.0.1', port: 8021, secret: 's3cret' },
    { host: '10.0.0.2', port: 8022, secret: 'a:b' },
  ])
  t.same(parseMediaServers('none'), [])
  t.throws(() => parseMediaServers('host:notaport'), /FREESWITCH: bad port/)
  t.throws(() => readEnv({ HTTP_PORT: 'eighty' }), /HTTP_PORT: must be a port number/)
  t.match(readEnv({}), { drachtio: { host: '127.0.0.1', port: 9022 }, redis: { mode: 'standalone', url: 'redis://127.0.0.1:6379' }, configPath: 'config/platform.yaml' })
})
