import t from 'tap'
import { adminFixture } from '../helpers/admin'

t.test('concurrent edits: no lost update; the same stale ETag lets one write through and 412s the others', async (t) => {
  const f = await adminFixture(t)
  const admin = await f.token('tenant-admin', 'gridco')
  for (const id of ['q-a', 'q-b', 'q-c', 'q-d']) t.equal((await f.call('POST', '/v1/tenants/gridco/queues', admin, { id, skills: [], strategy: 'random' })).statusCode, 201)
  const queues = f.engine.platform.tenants.get('gridco')!.queues.map((q) => q.id)
  t.ok(queues.length >= 6)
  const before = await f.repo.version()
  // different objects at once, no If-Match: each write lost the race is made again on the new version
  const names = await Promise.all(queues.map((q, i) => f.call('PATCH', `/v1/tenants/gridco/queues/${q}`, admin, { name: `renamed ${i}` })))
  t.same(names.map((r) => r.statusCode), queues.map(() => 200))
  t.equal(await f.repo.version(), before + queues.length, 'one version per change')
  const raw = (await f.repo.read())!.raw
  const grid = raw.tenants.find((x: { id: string }) => x.id === 'gridco')
  for (const [i, q] of queues.entries()) t.equal(grid.queues.find((x: { id: string }) => x.id === q).name, `renamed ${i}`, `${q}: kept`)
  // the same object from the same read: one wins, the others are told it changed
  const etag = (await f.call('GET', `/v1/tenants/gridco/queues/${queues[0]}`, admin)).headers['etag'] as string
  const race = await Promise.all(['random', 'ring-all', 'top-down', 'fewest-calls', 'skill-level', 'round-robin'].map((strategy) => f.call('PATCH', `/v1/tenants/gridco/queues/${queues[0]}`, admin, { strategy }, { 'if-match': etag })))
  const codes = race.map((r) => r.statusCode).sort()
  t.same(codes, [200, 412, 412, 412, 412, 412])
  const winner = race.find((r) => r.statusCode === 200)!.json().strategy
  t.equal(f.engine.platform.tenants.get('gridco')!.queues[0]!.strategy, winner, 'the winner is what is in force')
  t.match(race.find((r) => r.statusCode === 412)!.json(), { error: { code: 'STALE' } })

  // acd_admin_actions_total, hand-counted: gridco's ok updates = one per queue renamed + the winner; refused = the five 412s
  const metric = (await f.registry.getSingleMetricAsString('acd_admin_actions_total')).split('\n')
  t.ok(metric.includes(`acd_admin_actions_total{tenant="gridco",action="queues.update",outcome="ok"} ${queues.length + 1}`), metric.join('\n'))
  t.ok(metric.includes('acd_admin_actions_total{tenant="gridco",action="queues.update",outcome="refused"} 5'), metric.join('\n'))
})
