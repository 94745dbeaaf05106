// One engine instance in its own process doing random operations; prints a JSON summary.
import Redis from 'ioredis'
import { AcdEngine } from '../../src/acd/engine'
import { AcdError, type Notice } from '../../src/acd/types'
import { parseConfig } from '../../src/config/load'
import { FUZZ_QUEUES, FUZZ_SESSIONS, FUZZ_YAML } from '../helpers/fuzz-config'

const [url, instanceId, opsText, seedText] = process.argv.slice(2)
let seed = Number(seedText)
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!

async function main() {
  const redis = new Redis(url!)
  const config = parseConfig(FUZZ_YAML, 'fuzz.yaml')
  const engine = new AcdEngine(redis, config, { instanceId: instanceId! })
  const offers = new Map<string, string[]>() // "tenant/call" -> offered agents
  const connected = new Set<string>()
  const live = new Set<string>()
  const callbacks = new Set<string>()
  const enqueued: string[] = []
  const expectedErrors: Record<string, number> = {}
  engine.on('notice', (n: Notice) => {
    const ref = `${n.tenant}/${n.call}`
    if (n.type === 'offer') offers.set(ref, n.agents)
    else if (n.type === 'withdraw') {
      const left = (offers.get(ref) ?? []).filter((a) => a !== n.agent)
      if (left.length) offers.set(ref, left)
      else offers.delete(ref)
    } else if (n.type === 'overflow') {
      offers.delete(ref)
      live.delete(ref)
    }
  })
  const agents = Object.keys(FUZZ_SESSIONS)
  let seq = 0
  const ops = Number(opsText)
  for (let i = 0; i < ops; i++) {
    const r = rand()
    try {
      if (r < 0.25) {
        const [tenant, queue] = pick(FUZZ_QUEUES)
        const callId = `${instanceId}-${seq++}`
        const attributes: Record<string, string> = rand() < 0.2 ? { customer: 'C1' } : rand() < 0.2 ? { urgency: 'critical' } : {}
        const res = await engine.enqueue({ tenant, queue, callId, attributes, priority: Math.floor(rand() * 3) * 10 })
        if (res.state !== 'full') {
          enqueued.push(`${tenant}/${callId}`)
          live.add(`${tenant}/${callId}`)
        }
      } else if (r < 0.38 && live.size) {
        const ref = connected.size && rand() < 0.6 ? pick([...connected]) : pick([...live])
        const [tenant, callId] = ref.split('/') as [string, string]
        if (connected.has(ref)) {
          await engine.complete(tenant, callId, rand() < 0.5 ? 'agent' : 'caller')
          connected.delete(ref)
        } else {
          await engine.abandon(tenant, callId)
        }
        live.delete(ref)
        offers.delete(ref)
      } else if (r < 0.55 && offers.size) {
        const ref = pick([...offers.keys()])
        const [tenant, callId] = ref.split('/') as [string, string]
        const agent = pick(offers.get(ref)!)
        // The offer may be gone (expired or withdrawn by another instance) when we act on it.
        offers.delete(ref)
        if (rand() < 0.75) {
          await engine.answer(tenant, callId, agent)
          connected.add(ref)
          if (callbacks.has(ref)) {
            // the agent of a callback answered: the customer answers or not
            const outcome = pick(['connected', 'connected', 'busy', 'no-answer', 'failed'] as const)
            const res = await engine.callbackResult(tenant, 'q1', callId, outcome)
            if (res.state !== 'connected') connected.delete(ref)
            if (res.state === 'failed') live.delete(ref)
          }
        } else {
          await engine.noAnswer(tenant, callId, agent, pick(['busy', 'declined', 'ring-timeout'] as const))
        }
      } else if (r < 0.57 && live.size) {
        // a waiting caller of t2/q1 asks to be called back (refused unless it is waiting there)
        const ref = pick([...live])
        const [tenant, callId] = ref.split('/') as [string, string]
        if (tenant === 't2' && !connected.has(ref)) {
          await engine.requestCallback(tenant, callId, '+33612345678')
          callbacks.add(ref)
        }
      } else if (r < 0.6) {
        const agent = pick(agents)
        await engine.login(agent, pick(FUZZ_SESSIONS[agent]!))
      } else if (r < 0.67) {
        await engine.logout(pick(agents))
      } else if (r < 0.72) {
        await engine.pause(pick(agents), pick(['break', 'lunch', 'training']))
      } else if (r < 0.8) {
        await engine.unpause(pick(agents))
      } else if (r < 0.92) {
        await engine.tick()
        await engine.pullNotices()
      } else {
        await new Promise((res) => setTimeout(res, Math.floor(rand() * 30)))
        await engine.pullNotices()
      }
    } catch (err) {
      if (err instanceof AcdError) {
        expectedErrors[err.code] = (expectedErrors[err.code] ?? 0) + 1
      } else {
        process.stdout.write(JSON.stringify({ fatal: String((err as Error).stack ?? err) }) + '\n')
        process.exit(1)
      }
    }
    if (i % 50 === 0) await engine.pullNotices()
  }
  redis.disconnect()
  process.stdout.write(JSON.stringify({ instanceId, enqueued, expectedErrors }) + '\n')
}

void main()
