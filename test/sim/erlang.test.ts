import t from 'tap'
import { erlangC, erlangFigures } from '../../src/sim/erlang'
import { erlangCheck } from '../../src/sim/erlang-check'
import { withRedis } from '../helpers/redis'

t.test('Erlang C formula against known values', async (t) => {
  // Textbook values: N=2, A=1 -> C = 1/3; N=10, A=8 -> 0.409
  t.ok(Math.abs(erlangC(2, 1) - 1 / 3) < 1e-12)
  t.ok(Math.abs(erlangC(10, 8) - 0.4092) < 5e-4)
  const f = erlangFigures(2, 1 / 180, 180, 20)
  t.ok(Math.abs(f.meanWait - (1 / 3) / (2 / 180 - 1 / 180)) < 1e-9)
})

t.test('the engine as an M/M/N queue agrees with Erlang C', async (t) => {
  const { redis } = await withRedis(t)
  const r = await erlangCheck(redis, { agents: 10, load: 8, meanHandleSeconds: 180, calls: 40_000, seed: 20261122 })
  t.comment(JSON.stringify(r))
  t.ok(r.calls > 35_000, `${r.calls} calls measured`)
  t.ok(Math.abs(r.error.pWait) < 0.05, `P(wait) simulated ${r.simulated.pWait.toFixed(4)} vs Erlang C ${r.theory.pWait.toFixed(4)}`)
  t.ok(Math.abs(r.error.meanWait) < 0.08, `mean wait simulated ${r.simulated.meanWait.toFixed(2)} s vs Erlang C ${r.theory.meanWait.toFixed(2)} s`)
  t.ok(Math.abs(r.error.serviceLevel) < 0.03, `service level simulated ${r.simulated.serviceLevel.toFixed(4)} vs ${r.theory.serviceLevel.toFixed(4)}`)
})
