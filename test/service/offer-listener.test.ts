import t from 'tap'
import { keys } from '../../src/acd/keys'
import type { Notice } from '../../src/acd/types'
import { OfferListener } from '../../src/service/offer-listener'
import { silentLogger } from '../../src/telemetry/logger'
import { withRedis } from '../helpers/redis'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test("one reader per pool: a pool's offers never wait behind another pool's blocking read; pools follow the configuration", async (t) => {
  const { redis } = await withRedis(t)
  const got: Array<{ call: string; at: number }> = []
  const listener = new OfferListener(redis, 'i1', (n: Notice) => void got.push({ call: n.call, at: Date.now() }), silentLogger)
  t.teardown(() => listener.stop())
  listener.follow(['north', 'south'])
  await sleep(300) // both readers are blocked in BLPOP now
  const offer = (call: string) => JSON.stringify({ type: 'withdraw', tenant: 't', call, agent: 'a' })
  for (let i = 0; i < 5; i++) {
    const sent = Date.now()
    await redis.rpush(keys.offers(i % 2 ? 'north' : 'south', 'i1'), offer(`c${i}`))
    while (got.length <= i && Date.now() - sent < 3000) await sleep(5)
    t.ok(got[i] && got[i]!.at - sent < 250, `offer ${i} delivered in ${got[i] ? got[i]!.at - sent : 'never'} ms (a reader blocks 1 s)`)
  }
  listener.follow(['south', 'east'])
  t.same(listener.pools.sort(), ['east', 'south'], 'a pool added by a reload gets its reader, a removed one loses it')
  await redis.rpush(keys.offers('east', 'i1'), offer('e1'))
  await redis.rpush(keys.offers('north', 'i1'), offer('n-late'))
  await sleep(400)
  t.ok(got.some((g) => g.call === 'e1'), "the new pool's offers arrive")
  t.notOk(got.some((g) => g.call === 'n-late'), 'the removed pool is no longer read')
  t.equal(await redis.llen(keys.offers('north', 'i1')), 1)
})
