// The demo: the real ACD engine on Redis, driven by simulated traffic on a simulated clock.
import { parseArgs } from 'node:util'
import Redis from 'ioredis'
import { ManualClock } from '../acd/clock'
import { AcdEngine } from '../acd/engine'
import { ConfigError } from '../config/errors'
import { loadConfigFile } from '../config/load'
import { toE164 } from '../config/phone'
import { ensureRedisServer } from '../redis/ensure'
import { PrivateRedis } from '../redis/private-server'
import { erlangCheck } from '../sim/erlang-check'
import { withGeneratedAgents } from '../sim/scenarios'
import { Simulator } from '../sim/simulator'
import { renderLive, renderSummary, summaryJson } from './dashboard'

const HELP = `Usage: npm run demo -- [options]

Runs the ACD engine on Redis with simulated traffic and shows live figures per tenant.
Without REDIS_URL (or --redis) it starts a private redis-server on a free loopback port.

  --config FILE        platform configuration (default config/platform.yaml)
  --redis URL          Redis to use (default: $REDIS_URL, else a private redis-server)
  --duration SECONDS   simulated seconds of arrivals (default 3600)
  --rate N             calls per minute on every DDI (default 1.5)
  --rates LIST         per-DDI overrides, e.g. "+33972000001=10,+442079460000=2"
  --agents N           generated agents across the tenants (default 36; 0 = the configured agents)
  --handle SECONDS     mean handle time (default 180)
  --patience SECONDS   mean caller patience before abandoning (default 120; 0 = never)
  --answer-delay S     seconds an agent's phone rings before answering (default 3)
  --no-answer-rate X   share of offers left to ring out (default 0.03)
  --callback-rate X    share of callers offered a callback who take it (default 0.3)
  --speed N            simulated seconds per real second (default 360; 0 = as fast as possible)
  --refresh SECONDS    simulated seconds between live views (default 60)
  --seed N             random seed (default 1)
  --json               print the summary as JSON only
  --erlang             compare the engine with Erlang C on one FIFO queue instead
  --erlang-agents N    agents for --erlang (default 10)
  --erlang-load A      offered load in Erlangs for --erlang (default 8)
  --calls N            calls to simulate for --erlang (default 40000)
`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'config/platform.yaml' },
      redis: { type: 'string' },
      duration: { type: 'string', default: '3600' },
      rate: { type: 'string', default: '1.5' },
      rates: { type: 'string' },
      agents: { type: 'string', default: '36' },
      handle: { type: 'string', default: '180' },
      patience: { type: 'string', default: '120' },
      'answer-delay': { type: 'string', default: '3' },
      'no-answer-rate': { type: 'string', default: '0.03' },
      'callback-rate': { type: 'string', default: '0.3' },
      speed: { type: 'string', default: '360' },
      refresh: { type: 'string', default: '60' },
      seed: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      erlang: { type: 'boolean', default: false },
      'erlang-agents': { type: 'string', default: '10' },
      'erlang-load': { type: 'string', default: '8' },
      calls: { type: 'string', default: '40000' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const num = (name: string, text: string, min = 0): number => {
    const n = Number(text)
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, got ${JSON.stringify(text)}`)
    return n
  }
  const share = (name: string, text: string): number => {
    const n = num(name, text)
    if (n > 1) throw new Error(`--${name} is a share between 0 and 1, got ${JSON.stringify(text)}`)
    return n
  }
  const say = (line: string) => process.stderr.write(`${line}\n`)

  let server: PrivateRedis | undefined
  const url = values.redis ?? process.env['REDIS_URL']
  if (!url) {
    ensureRedisServer(say)
    server = await PrivateRedis.start()
    say(`started a private redis-server on 127.0.0.1:${server.port}`)
  }
  const redis = new Redis(url ?? server!.url)
  try {
    if (values.erlang) {
      const r = await erlangCheck(redis, {
        agents: num('erlang-agents', values['erlang-agents'], 1),
        load: num('erlang-load', values['erlang-load']),
        meanHandleSeconds: num('handle', values.handle, 1),
        calls: num('calls', values.calls, 100),
        seed: num('seed', values.seed),
      })
      if (values.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
      else {
        const f = (x: number) => x.toFixed(4)
        process.stdout.write(
          `Erlang C check: ${r.agents} agents, ${r.load} Erlangs, ${r.calls} calls measured\n` +
            `                 simulated   Erlang C   difference\n` +
            `P(wait)          ${f(r.simulated.pWait)}      ${f(r.theory.pWait)}     ${(r.error.pWait * 100).toFixed(1)}%\n` +
            `mean wait (s)    ${r.simulated.meanWait.toFixed(2).padStart(6)}     ${r.theory.meanWait.toFixed(2).padStart(6)}     ${(r.error.meanWait * 100).toFixed(1)}%\n` +
            `SL (20 s)        ${f(r.simulated.serviceLevel)}      ${f(r.theory.serviceLevel)}     ${(r.error.serviceLevel * 100).toFixed(1)}%\n`,
        )
      }
      return
    }
    let config = loadConfigFile(values.config)
    const agentCount = num('agents', values.agents)
    if (agentCount > 0) config = withGeneratedAgents(config, agentCount, num('seed', values.seed))
    const rate = num('rate', values.rate) / 60
    const rates = new Map([...config.ddis.keys()].map((d) => [d, rate]))
    for (const item of (values.rates ?? '').split(',').filter(Boolean)) {
      const [ddiText, r] = item.split('=')
      const ddi = toE164(ddiText ?? '', config.settings.defaultRegion)
      if (!ddi || !config.ddis.has(ddi)) throw new Error(`--rates: ${JSON.stringify(ddiText)} is not a configured DDI`)
      rates.set(ddi, num('rates', r ?? '') / 60)
    }
    const clock = new ManualClock(Date.now())
    const engine = new AcdEngine(redis, config, { instanceId: 'demo', clock })
    await engine.applyConfig(config)
    const sim = new Simulator(engine, config, clock, {
      durationSeconds: num('duration', values.duration, 1),
      arrivalRates: rates,
      meanHandleSeconds: num('handle', values.handle, 1),
      meanPatienceSeconds: num('patience', values.patience),
      answerDelaySeconds: num('answer-delay', values['answer-delay']),
      noAnswerRate: num('no-answer-rate', values['no-answer-rate']),
      tickSeconds: 1,
      warmupSeconds: 0,
      urgentRate: 0.05,
      callbackAcceptRate: share('callback-rate', values['callback-rate']),
      seed: num('seed', values.seed),
    })
    await sim.loginAgents()
    const speed = num('speed', values.speed)
    const refresh = num('refresh', values.refresh, 1)
    const live = !values.json
    const tty = process.stdout.isTTY
    const started = Date.now()
    let nextView = 0
    await sim.run(async (simSeconds) => {
      if (speed > 0) {
        const ahead = simSeconds / speed - (Date.now() - started) / 1000
        if (ahead > 0.01) await new Promise((r) => setTimeout(r, ahead * 1000))
      }
      if (live && simSeconds >= nextView) {
        nextView = simSeconds + refresh
        const view = await renderLive(engine, simSeconds)
        process.stdout.write(tty ? `\x1b[2J\x1b[H${view}\n` : `${view}\n\n`)
      }
    })
    const figures = await sim.figures()
    if (values.json) process.stdout.write(`${JSON.stringify(summaryJson(figures), null, 2)}\n`)
    else process.stdout.write(`\nSummary\n${renderSummary(figures)}\n`)
  } finally {
    redis.disconnect()
    await server?.stop()
  }
}

main().catch((err) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `demo failed: ${(err as Error).message}\n`)
  process.exit(1)
})
