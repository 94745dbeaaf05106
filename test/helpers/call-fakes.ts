// Fakes of the call flow's ports: a caller's media that records what it hears, an engine that
// records what it is told, legs and dialers without SIP.
import { Call, type CallerContext } from '../../src/call/call'
import type { Notice } from '../../src/acd/types'
import { CallFlow, type Entry } from '../../src/call/call-flow'
import type { AgentDialer, AgentLeg, CallerLeg, CallerMedia, CallEngine, Gone, OutsideDialer, OutsideLeg, OutsideResult } from '../../src/call/ports'
import { ManualTimers } from '../../src/call/timers'
import { loadConfigFile } from '../../src/config/load'
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

/** The example platform (config/platform.yaml). */
export const config = loadConfigFile('config/platform.yaml')

/** A call of gridco's outage queue with fakes for every port; agents answer as `answers` says. */
export function flowSetup(o: { answers?: Record<string, () => Promise<AgentLeg>>; outside?: () => Promise<OutsideResult>; engine?: Parameters<typeof fakeEngine>[1]; media?: boolean; keys?: string[]; queue?: string; tenantConfig?: typeof config; deferred?: { add(what: string, op: () => Promise<unknown>): void } } = {}) {
  const cfg = o.tenantConfig ?? config
  const timers = new ManualTimers(Date.parse('2026-12-01T10:00:00Z'))
  const eng = fakeEngine(cfg, o.engine)
  const caller = fakeLeg('caller', { media: o.media === false ? undefined : fakeMedia(timers, o.keys ?? []).media, number: '+33612345678' })
  const dialled: string[] = []
  const cancelled: string[] = []
  const agents: AgentDialer = {
    dial: async ({ agent }) => {
      dialled.push(agent)
      const answer = o.answers?.[agent]
      if (!answer) return { unreachable: 'no phone' }
      return { answered: answer(), cancel: () => void cancelled.push(agent) }
    },
  }
  const outsideCalls: string[] = []
  const outside: OutsideDialer = {
    call: async (req) => {
      outsideCalls.push(req.number)
      return o.outside ? o.outside() : { ok: false, outcome: 'failed' }
    },
  }
  const ended: string[] = []
  const call = new Call(cfg.tenants.get('gridco')!, { queue: o.queue ?? 'outages', presented: '+33972000001', callerNumber: '+33612345678' })
  const flow = new CallFlow({ engine: eng.engine, agents, outside, timers, log: silentLogger, metrics: { callbacks: { inc: () => undefined }, callsRejected: { inc: () => undefined } } as never, onEnded: (c) => void ended.push(c.id), deferred: o.deferred }, call, silentLogger, () => ({}))
  const start = (entry: Entry = { kind: 'queue' }) => flow.start(caller.leg, entry, { ddi: '+33972000001' }, async () => undefined)
  const offer = (...agentIds: string[]): Notice => ({ type: 'offer', tenant: 'gridco', call: call.id, agents: agentIds, attempt: 1 }) as Notice
  const ending = () => eng.events.filter((e) => e.type === 'call_ended').map((e) => e.fields)
  return { flow, call, eng, caller, timers, dialled, cancelled, outsideCalls, ended, start, offer, ending }
}

