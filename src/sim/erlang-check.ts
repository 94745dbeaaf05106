import type Redis from 'ioredis'
import { ManualClock } from '../acd/clock'
import { AcdEngine } from '../acd/engine'
import { erlangFigures } from './erlang'
import { erlangPlatform } from './scenarios'
import { Simulator } from './simulator'

export interface ErlangCheckOptions {
  agents: number
  /** Offered load in Erlangs (must be below the number of agents). */
  load: number
  meanHandleSeconds: number
  calls: number
  seed: number
}

export interface ErlangCheckResult {
  agents: number
  load: number
  calls: number
  simulated: { pWait: number; meanWait: number; serviceLevel: number }
  theory: { pWait: number; meanWait: number; serviceLevel: number }
  /** Relative differences (simulated / theory - 1). */
  error: { pWait: number; meanWait: number; serviceLevel: number }
}

/** Runs the engine as an M/M/N queue and compares it with the Erlang C formula. */
export async function erlangCheck(redis: Redis, o: ErlangCheckOptions): Promise<ErlangCheckResult> {
  if (!(o.load > 0 && o.load < o.agents)) throw new Error(`load ${o.load} must be between 0 and the number of agents ${o.agents}`)
  const config = erlangPlatform(o.agents)
  const clock = new ManualClock(0)
  const engine = new AcdEngine(redis, config, { instanceId: 'erlang-check', clock })
  await engine.applyConfig(config)
  const lambda = o.load / o.meanHandleSeconds
  const warmup = 20 * o.meanHandleSeconds
  const sim = new Simulator(engine, config, clock, {
    durationSeconds: warmup + o.calls / lambda,
    arrivalRates: new Map([['+33972999999', lambda]]),
    meanHandleSeconds: o.meanHandleSeconds,
    meanPatienceSeconds: 0,
    answerDelaySeconds: 0,
    noAnswerRate: 0,
    tickSeconds: 3600,
    warmupSeconds: warmup,
    urgentRate: 0,
    seed: o.seed,
  })
  await sim.loginAgents()
  await sim.run()
  const [fig] = await sim.figures()
  const theory = erlangFigures(o.agents, lambda, o.meanHandleSeconds, 20)
  const simulated = { pWait: fig!.pWait, meanWait: fig!.meanWait, serviceLevel: fig!.serviceLevel }
  return {
    agents: o.agents,
    load: o.load,
    calls: fig!.offered,
    simulated,
    theory,
    error: {
      pWait: simulated.pWait / theory.pWait - 1,
      meanWait: simulated.meanWait / theory.meanWait - 1,
      serviceLevel: simulated.serviceLevel / theory.serviceLevel - 1,
    },
  }
}
