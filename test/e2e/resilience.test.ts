// End to end over SIP (no media server): the door under a Redis outage, and SIGTERM draining the
// calls in progress. Real drachtio-server, redis-server, the service and SIPp.
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import t from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { Registrar } from '../../src/agents/registrar'
import { parseConfig } from '../../src/config/load'
import { readLog, startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { runSipp, startSippUas } from '../../src/stack/sipp'
import { TrunkChannels } from '../../src/trunks/channels'
import { requireBinaries } from '../helpers/binaries'
import { e2ePlatform } from '../helpers/e2e-platform'
import { withRedis } from '../helpers/redis'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const DDI = '+33972000001'

async function until(what: string, f: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) if (await f().catch(() => false)) return true
  throw new Error(`timed out waiting for ${what}`)
}

t.test('the door and the drain', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const { redis, server } = await withRedis(t)
  const yaml = e2ePlatform({ wrapUp: 0 })
  const config = parseConfig(yaml, 'e2e.yaml')
  const drachtio = await startDrachtio(t)
  const drachtioOpts = { host: drachtio.host, adminPort: drachtio.adminPort, secret: drachtio.secret }
  const app = await startApp(t, { configYaml: yaml, redisUrl: server.url, drachtio: drachtioOpts, env: { DRAIN_SECONDS: '20' } })
  const target = `${drachtio.host}:${drachtio.sipPort}`
  const ready = async () => (await fetch(`http://127.0.0.1:${app.httpPort}/readyz`)).status
  const agentPhone = async (talk: { calls: number }) => {
    const phone = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.10', calls: talk.calls, timeoutMs: 60_000, args: ['-set', 'ring', '100'] })
    t.teardown(() => phone.stop())
    const engine = new AcdEngine(redis, config, { instanceId: 'e2e-observer' })
    await new Registrar(redis, config).register(config.tenants.get('gridco')!, config.agents.get('alice')!, `sip:alice@127.0.0.10:${phone.port}`, '127.0.0.10', 300)
    await engine.logout('alice').catch(() => undefined)
    await engine.login('alice', ['gridco'])
    return phone
  }

  t.test('Redis away: not ready, new calls 503 with Retry-After at once; back: ready, calls answered, no manual step', async (t) => {
    t.equal(await ready(), 200)
    await server.down()
    await until('/readyz to say not ready', async () => (await ready()) === 503)
    const body = (await (await fetch(`http://127.0.0.1:${app.httpPort}/readyz`)).json()) as Record<string, unknown>
    t.match(body, { ok: false, redis: false, drachtio: true }, 'readyz names the dependency that is away')
    const started = Date.now()
    const refused = await runSipp({ scenario: 'uac-refused-503', target, localIp: '127.0.0.2', args: ['-s', DDI], timeoutMs: 15_000 })
    t.equal(refused.code, 0, `503 for a new call while Redis is away: ${refused.errors}`)
    t.ok(Date.now() - started < 3000, 'answered at once, never left hanging')
    t.match(refused.messages, /Retry-After: 5/)
    t.match(refused.messages, /X-Reason: redis-unavailable/)
    t.equal((await (await fetch(`http://127.0.0.1:${app.httpPort}/healthz`)).json() as { ok: boolean }).ok, true, 'alive all along')
    await server.up()
    await until('/readyz to be ready again', async () => (await ready()) === 200)
    await sleep(500) // the configuration is written again once the connection is back
    const phone = await agentPhone({ calls: 1 })
    const c = await runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '500'], timeoutMs: 30_000 })
    t.equal(c.code, 0, `a call after the outage is answered by the agent: ${c.errors}`)
    t.equal((await phone.done).code, 0)
    t.ok(readLog(app.logFile).some((l) => l['msg'] === 'redis is back: configuration written again'))
  })

  t.test('garbage, malformed SIP and oversized headers on every listening port crash nothing', async (t) => {
    const junk = [
      randomBytes(1400),
      Buffer.from('NOT A SIP MESSAGE\r\n\r\n'),
      Buffer.from(`INVITE sip:${DDI}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5999;branch=z9hG4bK-x\r\nContent-Length: 99999\r\n\r\nv=0`),
      Buffer.from(`INVITE sip:${DDI}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5999;branch=z9hG4bK-y\r\nX-Big: ${'a'.repeat(60_000)}\r\n\r\n`),
    ]
    const udp = createSocket('udp4')
    await new Promise<void>((r) => udp.bind(0, '127.0.0.2', r))
    for (const j of junk.slice(0, 3)) await new Promise((r) => udp.send(j, drachtio.sipPort, '127.0.0.1', r))
    udp.close()
    for (const port of [drachtio.sipPort, app.httpPort]) {
      for (const j of junk) {
        await new Promise<void>((resolve) => {
          const sock = connect({ host: '127.0.0.1', port }, () => sock.end(j))
          sock.on('error', () => resolve())
          sock.on('close', () => resolve())
          sock.setTimeout(2000, () => sock.destroy())
        })
      }
    }
    await sleep(500)
    t.equal(app.proc.exitCode, null, 'the service is still running')
    t.equal(await ready(), 200, 'and ready')
    const phone = await agentPhone({ calls: 1 })
    const c = await runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '300'], timeoutMs: 30_000 })
    t.equal(c.code, 0, `calls still go through: ${c.errors}`)
    t.equal((await phone.done).code, 0)
  })

  t.test('SIGTERM: new calls 503 (draining), the call in progress finishes, then the process exits', async (t) => {
    const phone = await agentPhone({ calls: 1 })
    const inProgress = runSipp({ scenario: 'uac-caller', target, localIp: '127.0.0.2', args: ['-s', DDI, '-set', 'talk', '4000'], timeoutMs: 30_000 })
    const channels = new TrunkChannels(redis, config, 'e2e-observer')
    await until('the call to be up', async () => (await channels.count(config.tenants.get('gridco')!.trunks[0]!, 'in')) === 1)
    await sleep(500)
    const exited = new Promise<number | null>((resolve) => app.proc.once('exit', (code) => resolve(code)))
    app.proc.kill('SIGTERM')
    await sleep(300)
    t.equal(await ready(), 503, 'not ready while draining')
    const refused = await runSipp({ scenario: 'uac-refused-503', target, localIp: '127.0.0.2', args: ['-s', DDI], timeoutMs: 15_000 })
    t.equal(refused.code, 0, `a new call gets 503 while draining: ${refused.errors}`)
    t.match(refused.messages, /X-Reason: draining/)
    const c = await inProgress
    t.equal(c.code, 0, `the call in progress went to its end: ${c.errors}`)
    t.equal((await phone.done).code, 0)
    t.equal(await exited, 0, 'the service exited cleanly once drained')
    const log = readLog(app.logFile)
    t.ok(log.some((l) => l['msg'] === 'drained: no call left'), 'it said it was drained')
    t.equal(await channels.count(config.tenants.get('gridco')!.trunks[0]!, 'in'), 0, 'trunk channel given back')
  })
})
