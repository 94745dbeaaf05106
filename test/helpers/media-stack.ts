import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { AcdEngine } from '../../src/acd/engine'
import { keys } from '../../src/acd/keys'
import { Registrar } from '../../src/agents/registrar'
import { parseConfig } from '../../src/config/load'
import { generatePromptSet } from '../../src/media/prompt-set'
import { startApp } from '../../src/stack/app'
import { startDrachtio } from '../../src/stack/drachtio'
import { startFreeswitch } from '../../src/stack/freeswitch'
import { freeUdpPort } from '../../src/stack/ports'
import { TrunkChannels } from '../../src/trunks/channels'
import { e2ePlatform } from './e2e-platform'
import { withRedis } from './redis'

/**
 * The whole stack with media for an end-to-end test file: redis-server, drachtio-server,
 * FreeSWITCH (the platform's configuration, a local stream of hold music), the service with the
 * e2e platform and a generated prompt set, and observers on the same Redis. gridco's outbound
 * trunk points at `carrierPort` on 127.0.0.2, where a test plays the carrier.
 */
export async function startMediaStack(t: Test, opts: { ringTimeout?: number } = {}) {
  const { redis, server } = await withRedis(t)
  const carrierPort = await freeUdpPort('127.0.0.2')
  const yaml = e2ePlatform({ outboundProxy: `127.0.0.2:${carrierPort}`, ringTimeout: opts.ringTimeout })
  const config = parseConfig(yaml, 'e2e.yaml')
  const drachtio = await startDrachtio(t)
  const prompts = mkdtempSync(join(tmpdir(), 'acd-e2e-prompts-'))
  generatePromptSet('en', join(prompts, 'en'))
  const music = mkdtempSync(join(tmpdir(), 'acd-e2e-music-'))
  copyFileSync(join(prompts, 'en', 'hold-music.wav'), join(music, 'hold-music.wav'))
  const fs = await startFreeswitch(t, { musicDir: music })
  const voicemails = mkdtempSync(join(tmpdir(), 'acd-e2e-voicemail-'))
  const app = await startApp(t, {
    env: { PROMPTS_DIR: prompts, VOICEMAIL_DIR: voicemails },
    configYaml: yaml,
    redisUrl: server.url,
    drachtio: { host: drachtio.host, adminPort: drachtio.adminPort, secret: drachtio.secret },
    freeswitch: { host: fs.host, eslPort: fs.eslPort, secret: fs.secret },
  })
  const engine = new AcdEngine(redis, config, { instanceId: 'e2e-observer' })
  const history = async (tenant = 'gridco') =>
    (await redis.xrange(keys.events('e2e', tenant), '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]!]])))) as Record<string, string>[]
  return {
    redis,
    server,
    config,
    drachtio,
    fs,
    app,
    engine,
    voicemails,
    carrierPort,
    history,
    registrar: new Registrar(redis, config),
    channels: new TrunkChannels(redis, config, 'e2e-observer'),
    target: `${drachtio.host}:${drachtio.sipPort}`,
    trunk: config.tenants.get('gridco')!.trunks[0]!,
  }
}
