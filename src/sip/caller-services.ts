import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { AcdEngine } from '../acd/engine'
import type { Tenant } from '../config/model'
import { runIvr, type IvrOutcome } from '../ivr/runner'
import type { CallerMedia } from '../media/gateway'
import { positionAnnouncement } from '../media/prompt-set'
import { holdMusicFor, resolvePrompt, voicemailFile } from '../media/prompts'
import type { Logger } from '../telemetry/logger'

/** What the services for an answered caller need to know about its call. */
export interface CallerContext {
  engine: AcdEngine
  tenant: Tenant
  callId: string
  caller: CallerMedia
  log: Logger
  /** The caller's current queue. */
  queue(): string
  /** The caller waits in the queue (not ringing an agent, not connected, not ended). */
  waiting(): boolean
  ended(): boolean
}

/** Runs the DDI's IVR on the answered caller; undefined when the caller hung up meanwhile. */
export async function runCallerMenu(ctx: CallerContext, menu: string): Promise<IvrOutcome | undefined> {
  const { tenant, caller } = ctx
  try {
    const outcome = await runIvr(tenant, menu, {
      collect: (prompt, opts) => caller.collect(resolvePrompt(tenant, prompt), opts),
      play: (prompt) => caller.play(resolvePrompt(tenant, prompt)),
    })
    ctx.log.info({ ivr: outcome.attributes['ivr'], outcome: outcome.kind, queue: outcome.kind === 'queue' ? outcome.queue : undefined }, 'IVR choices')
    return outcome
  } catch (err) {
    if (!ctx.ended()) ctx.log.warn({ err }, 'IVR interrupted')
    return undefined
  }
}

/**
 * Position and estimated-wait announcements while the caller waits: the next one comes the queue's
 * `announce_seconds` after the previous one ended; the hold music resumes in between.
 */
export class Announcer {
  private timer?: NodeJS.Timeout

  constructor(private readonly ctx: CallerContext) {}

  start(seconds: number): void {
    this.stop()
    this.timer = setTimeout(() => {
      void this.announce().then(() => {
        if (this.ctx.waiting()) this.start(seconds)
      })
    }, seconds * 1000)
  }

  stop(): void {
    clearTimeout(this.timer)
  }

  private async announce(): Promise<void> {
    const { ctx } = this
    if (!ctx.waiting()) return
    const pos = await ctx.engine.position(ctx.tenant.id, ctx.callId).catch(() => undefined)
    if (!pos || pos.state !== 'waiting' || pos.position === 0) return
    const files = positionAnnouncement(pos.position, pos.estimatedWaitSeconds).map((p) => resolvePrompt(ctx.tenant, p))
    ctx.log.info({ position: pos.position, estimatedWaitSeconds: pos.estimatedWaitSeconds }, 'position announced')
    try {
      await ctx.caller.play(files)
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'announcement failed')
    }
    if (ctx.waiting()) ctx.caller.hold(holdMusicFor(ctx.tenant, ctx.tenant.queues.find((q) => q.id === ctx.queue())?.holdMusic))
  }
}

/** The caller leaves a message: recorded under the tenant, written into the tenant's history. */
export async function takeVoicemail(ctx: CallerContext, reason: string, attributes: Record<string, string>, callingNumber: string): Promise<void> {
  const file = voicemailFile(ctx.tenant.id, ctx.callId)
  await mkdir(dirname(file), { recursive: true })
  await ctx.engine.recordEvent(ctx.tenant.id, 'voicemail', { call: ctx.callId, queue: ctx.queue(), reason, file, caller: callingNumber, attrs: JSON.stringify(attributes) })
  ctx.log.info({ reason, file }, 'voicemail')
  try {
    await ctx.caller.play([resolvePrompt(ctx.tenant, 'leave-message'), 'tone_stream://%(500,0,1000)'])
    if (!ctx.ended()) await ctx.caller.record(file, 120)
  } catch (err) {
    if (!ctx.ended()) ctx.log.warn({ err: (err as Error).message }, 'voicemail recording failed')
  }
}
