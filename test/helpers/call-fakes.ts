// Fakes of the call flow's ports: a caller's media that records what it hears, an engine that
// records what it is told, legs and dialers without SIP.
import { Call, type CallerContext } from '../../src/call/call'
import type { AgentLeg, CallerLeg, CallerMedia, CallEngine, Gone, OutsideLeg } from '../../src/call/ports'
import { ManualTimers } from '../../src/call/timers'
import type { PlatformConfig } from '../../src/config/model'
import { silentLogger } from '../../src/telemetry/logger'

/** A caller's media: what is played and collected, in order, and the keys it answers with. */
export function fakeMedia(timers: ManualTimers, keys: string[] = [], promptMs = 300) {
  const heard: string[] = []
  let busy = 0
  let overlap = false
  const name = (f: string | string[]) => [f].flat().map((x) => x.split('/').pop()).join('+')
  const media: CallerMedia = {
    hold: (music?: string) => void heard.push(`hold:${music ?? 'default'}`),
    play: async (file) => {
      if (busy++) overlap = true
      heard.push(`play:${name(file)}`)
      await timers.sleep(promptMs)
      busy--
    },
    collect: async (file) => {
      if (busy++) overlap = true
      heard.push(`collect:${name(file)}`)
      await timers.sleep(promptMs)
      busy--
      return keys.shift() ?? ''
    },
    record: async (file) => {
      heard.push(`record:${name(file)}`)
      await timers.sleep(promptMs)
    },
  }
  return { media, heard, overlapped: () => overlap }
}

export type EngineCall = { op: string; args: unknown[] }

/** An engine that records its calls; `answers` overrides what an operation returns. */
export function fakeEngine(config: PlatformConfig, answers: Partial<Record<keyof CallEngine, (...args: unknown[]) => unknown>> = {}) {
  const calls: EngineCall[] = []
  const events: Array<{ tenant: string; type: string; fields: Record<string, unknown> }> = []
  const op =
    (name: keyof CallEngine, fallback: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]) => {
      calls.push({ op: name, args })
      return (answers[name] ?? fallback)(...args)
    }
  const engine = {
    platform: config,
    enqueue: op('enqueue', () => ({ state: 'waiting', position: 1, priority: 50 })),
    answer: op('answer', () => ({ waitMs: 1000 })),
    noAnswer: op('noAnswer', () => undefined),
    complete: op('complete', () => undefined),
    hangup: op('hangup', () => undefined),
    position: op('position', () => ({ state: 'waiting', position: 2, estimatedWaitSeconds: 90 })),
    requestCallback: op('requestCallback', () => ({ position: 1 })),
    callbackResult: op('callbackResult', () => ({ state: 'connected', attempt: 1 })),
    record: async (tenant: string, event: { type: string } & Record<string, unknown>) => {
      const { type, ...fields } = event
      events.push({ tenant, type, fields })
      return `${events.length}-0`
    },
  } as unknown as CallEngine
  return { engine, calls, events, ops: () => calls.map((c) => c.op) }
}

export function callerContext(config: PlatformConfig, tenant: string, queue: string, media: CallerMedia, timers: ManualTimers, engine = fakeEngine(config).engine, callerNumber = '+33612345678'): CallerContext & { resumed: () => number } {
  const call = new Call(config.tenants.get(tenant)!, { queue, presented: '+33972000001', callerNumber })
  call.phase = 'queued'
  let resumed = 0
  return { call, engine, media, log: silentLogger, timers, resumeHold: () => void resumed++, resumed: () => resumed }
}

/** A leg without SIP: records hang-ups, releases and what it was connected to. */
export function fakeLeg(name: string, opts: { agent?: string; media?: CallerMedia; number?: string } = {}) {
  const log: string[] = []
  const gone: Array<(how: Gone) => void> = []
  let transfer: ((target: string | undefined) => Promise<{ status: number; reason?: string }>) | undefined
  const leg: OutsideLeg & CallerLeg & AgentLeg = {
    agent: opts.agent,
    number: opts.number,
    media: opts.media,
    onGone: (fn) => void gone.push(fn),
    onTransfer: (fn) => void (transfer = fn),
    connect: async (other) => void log.push(`connect:${(other as unknown as { name: string }).name}`),
    play: (file) => void log.push(`play:${file.split('/').pop()}`),
    hangup: () => void log.push('hangup'),
    release: async () => void log.push('release'),
  }
  Object.assign(leg, { name })
  return {
    leg,
    log,
    hangUpFarEnd: (how: Gone = 'bye') => gone.splice(0).forEach((fn) => fn(how)),
    refer: (target: string) => transfer!(target),
  }
}

export { ManualTimers }
