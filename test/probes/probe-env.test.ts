// The probes' environment: PROBES (on/off), PROBE_DRACHTIO (host:port:secret), PROBE_RTP_ADDRESS.
import t from 'tap'
import { readEnv } from '../../src/service/env'
import { ProbeService } from '../../src/probes/probe-service'
import { silentLogger } from '../../src/telemetry/logger'

t.test('defaults, values and refusals', async (t) => {
  t.same(readEnv({}).probes, { enabled: true, drachtio: undefined, rtpAddress: '127.0.0.1' }, 'on, but without a drachtio-server of their own no probe runs')
  t.same(readEnv({ PROBES: 'off', PROBE_DRACHTIO: '10.0.0.5:9023:s:e:c', PROBE_RTP_ADDRESS: '10.0.0.5' }).probes, {
    enabled: false,
    drachtio: { host: '10.0.0.5', port: 9023, secret: 's:e:c' },
    rtpAddress: '10.0.0.5',
  })
  t.throws(() => readEnv({ PROBES: 'maybe' }), { message: /PROBES: must be on or off/ })
  t.throws(() => readEnv({ PROBE_DRACHTIO: '10.0.0.5:9023' }), { message: /PROBE_DRACHTIO: expected host:port:secret/ })
  t.throws(() => readEnv({ PROBE_DRACHTIO: '10.0.0.5:x:secret' }), { message: /PROBE_DRACHTIO/ })
})

t.test('PROBES=off: nothing connected, nothing scheduled', async (t) => {
  const deps = { engine: undefined as never, registrar: undefined as never, redis: undefined as never, config: () => undefined as never, metrics: undefined as never, log: silentLogger, frontDoor: () => undefined }
  const off = new ProbeService({ enabled: false, drachtio: { host: '127.0.0.1', port: 1, secret: 'x' }, rtpAddress: '127.0.0.1' }, deps)
  off.start()
  t.same(off.health(), { enabled: false, connected: false, running: 0, agentLegs: 0 })
  off.stop()
})
