import t from 'tap'
import { AcdError } from '../../src/acd/types'
import { EngineOutbox } from '../../src/call/engine-outbox'
import { silentLogger } from '../../src/telemetry/logger'

t.test('the outbox tells again in order, waits for Redis, drops what no longer applies, stays bounded', async (t) => {
  const box = new EngineOutbox(silentLogger, 3)
  const done: string[] = []
  let redisUp = false
  const op = (name: string, refused = false) => async () => {
    if (!redisUp) throw new Error('Connection is closed.')
    if (refused) throw new AcdError('NOT_CONNECTED', 'moved on')
    done.push(name)
  }
  box.add('a', op('a'))
  box.add('b', op('b', true))
  box.add('c', op('c'))
  await box.flush()
  t.same(done, [], 'nothing while Redis is away')
  t.equal(box.size, 3, 'all kept')
  box.add('d', op('d'))
  t.equal(box.size, 3, 'bounded: the oldest given up')
  redisUp = true
  await box.flush()
  t.same(done, ['c', 'd'], "in order; the refused one dropped (and 'a' was given up)")
  t.equal(box.size, 0)
})
