// SITE names the instance's site: one of the configuration's sites, or the service does not start.
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { readEnv } from '../../src/service/env'
import { SITES_YAML } from '../helpers/sites'

t.test('SITE is read from the environment', async (t) => {
  t.equal(readEnv({ SITE: 'gosselies' }).site, 'gosselies')
  t.equal(readEnv({}).site, undefined)
})

t.test('a SITE that is not a site of the configuration stops the service at start, naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-site-env-'))
  const config = join(dir, 'platform.yaml')
  writeFileSync(config, SITES_YAML)
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/service/main.ts'],
      { env: { ...process.env, CONFIG_PATH: config, SITE: 'antwerp', REDIS_URL: 'redis://127.0.0.1:1', HTTP_PORT: '0', FREESWITCH: 'none' }, timeout: 30_000 },
      (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
    )
  })
  t.equal(r.code, 1)
  t.match(r.stderr, /service not started: SITE: "antwerp" is not a site of .*platform\.yaml \(its sites: gosselies, mechelen\)/)
})
