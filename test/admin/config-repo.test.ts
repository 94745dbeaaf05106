import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigSync } from '../../src/config/config-sync'
import { ConfigError } from '../../src/config/errors'
import { parseYamlDocument } from '../../src/config/load'
import type { PlatformConfig } from '../../src/config/model'
import { ConfigRepo, StaleVersion } from '../../src/config/redis-config'
import { withRedis } from '../helpers/redis'

const yaml = readFileSync('config/platform.yaml', 'utf8')

t.test('the file bootstraps version 1; a change is a compare-and-set on the version', async (t) => {
  const { redis } = await withRedis(t)
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
  const file = join(dir, 'platform.yaml')
  writeFileSync(file, yaml)
  const repo = new ConfigRepo(redis)
  const boot = await repo.bootstrap(file)
  t.equal(boot.version, 1)
  t.equal(boot.imported, true)
  t.same(await repo.bootstrap(file), { ...boot, imported: false }, 'an unchanged file is not imported again')

  const stored = (await repo.read())!
  const raw = structuredClone(stored.raw)
  raw.tenants[0].queues[0].strategy = 'round-robin'
  const w = await repo.write(raw, 1)
  t.equal(w.version, 2)
  t.equal(w.config.tenants.get(raw.tenants[0].id)!.queues[0]!.strategy, 'round-robin')
  await t.rejects(repo.write(raw, 1), StaleVersion, 'a write on a stale version is refused')
  t.equal(await repo.version(), 2)

  const bad = structuredClone(raw)
  bad.tenants[0].queues[0].strategy = 'nope'
  bad.tenants[0].ddis[0].queue = 'missing-queue'
  await t.rejects(repo.write(bad, 2), ConfigError)
  t.equal(await repo.version(), 2, 'a refused document writes nothing')

  // the operator edits the file: imported as a new version on the next start or SIGHUP
  writeFileSync(file, yaml.replace('name: GridCo', 'name: GridCo Networks'))
  const again = await repo.bootstrap(file)
  t.equal(again.version, 3)
  t.equal(again.imported, true)
  // a refused file leaves the version in Redis in force
  writeFileSync(file, 'tenants: [')
  const kept = await repo.bootstrap(file)
  t.equal(kept.version, 3)
  t.equal(kept.imported, false)
})

t.test('every instance follows a new version (pub/sub, or the poll), in order', async (t) => {
  const { redis } = await withRedis(t)
  const repo = new ConfigRepo(redis)
  const first = await repo.write(parseYamlDocument(yaml), 0)
  const seen: Array<{ a: number[] }> = [{ a: [] }, { a: [] }]
  const conns = seen.map(() => redis.duplicate())
  t.teardown(() => conns.forEach((c) => c.disconnect()))
  const syncs = seen.map((s, i) => new ConfigSync(new ConfigRepo(conns[i]!), first.version, async (_c: PlatformConfig, v: number) => void s.a.push(v), undefined, i === 0 ? 60_000 : 100))
  for (const s of syncs) s.start()
  t.teardown(() => syncs.forEach((s) => s.stop()))
  await new Promise((r) => setTimeout(r, 200))
  const raw = (await repo.read())!.raw
  raw.tenants[0].name = 'Renamed'
  await repo.write(raw, 1)
  raw.tenants[0].name = 'Renamed again'
  await repo.write(raw, 2)
  const deadline = Date.now() + 5000
  while (Date.now() < deadline && seen.some((s) => s.a.at(-1) !== 3)) await new Promise((r) => setTimeout(r, 50))
  for (const s of seen) t.equal(s.a.at(-1), 3, 'the last version is applied')
  for (const s of seen) t.same([...s.a].sort(), s.a, 'versions applied in order')
})

t.test('Redis back without its data: the version in force is written back under its number', async (t) => {
  const { redis } = await withRedis(t)
  const repo = new ConfigRepo(redis)
  const raw = parseYamlDocument(yaml)
  await repo.write(raw, 0)
  raw.tenants[0].name = 'Second'
  await repo.write(raw, 1)
  const applied: number[] = []
  const sync = new ConfigSync(repo, 2, async (_c, v) => void applied.push(v), undefined, 60_000, raw)
  await redis.flushall()
  await sync.check()
  t.equal(await repo.version(), 2, 'the same version number')
  t.equal((await repo.read())!.raw.tenants[0].name, 'Second')
  t.same(applied, [], 'nothing to apply: it is the version in force')
  t.equal(await repo.restore(raw, 7), false, 'never over a configuration Redis holds')
})
