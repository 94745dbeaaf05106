import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { AcdEngine } from '../acd/engine'
import type { CallbackOffer, Tenant } from '../config/model'
import { runIvr, type IvrOutcome } from '../ivr/runner'
import { callableNumber } from '../routing/number-policy'
import type { CallerMedia } from '../media/gateway'
import { positionAnnouncement } from '../media/prompt-set'
import { resolvePrompt, voicemailFile } from '../media/prompts'
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
  /** Back to the queue's hold music (or ringback). */
  resumeHold(): void
}

/** Runs the DDI's IVR on the answered caller; undefined when the caller hung up meanwhile. */
export async function runCallerMenu(ctx: CallerContext, menu: string): Promise<IvrOutcome | undefined> {
  const { tenant, caller } = ctx
  const keys: string[] = []
  try {
    const outcome = await runIvr(tenant, menu, {
      collect: async (prompt, opts) => {
        const got = await caller.collect(resolvePrompt(tenant, prompt), opts)
        keys.push(got || '-')
        return got
      },
      play: (prompt) => caller.play(resolvePrompt(tenant, prompt)),
    })
    ctx.log.info({ ivr: outcome.attributes['ivr'], outcome: outcome.kind, queue: outcome.kind === 'queue' ? outcome.queue : undefined }, 'IVR choices')
    return outcome
  } catch (err) {
    if (!ctx.ended()) ctx.log.warn({ err }, 'IVR interrupted')
    else {
      // the caller hung up in the menus: the call never reached a queue, its history says where it stopped
      ctx.log.info({ ivr: menu, keys: keys.join(',') }, 'caller hung up in the IVR')
      await ctx.engine.recordEvent(tenant.id, 'ivr_abandoned', { call: ctx.callId, ivr: menu, keys: keys.join(',') }).catch(() => undefined)
    }
    return undefined
  }
}

/** The callback offer of the caller's queue, and what accepting it does. */
export interface CallbackChoice {
  offer: CallbackOffer
  /** The caller pressed the key: true when the callback is taken (the caller is then let go). */
  accept(): Promise<boolean>
}

/**
 * What a waiting caller hears between stretches of hold music: position and estimated-wait
 * announcements every `announce_seconds` (counted from the end of the previous one), and the
 * callback offer after `offer_after_seconds` (again every `repeat_seconds`). One plays at a time;
 * while agents ring nothing is played and what is due waits; the hold music resumes after each.
 */
export class WaitingRoom {
  private timer?: NodeJS.Timeout
  private stopped = false
  private nextAnnounce?: number
  private nextOffer?: number

  constructor(
    private readonly ctx: CallerContext,
    private readonly announceSeconds: number,
    private readonly callback: CallbackChoice | undefined,
  ) {}

  start(): void {
    const now = Date.now()
    if (this.announceSeconds > 0) this.nextAnnounce = now + this.announceSeconds * 1000
    if (this.callback) this.nextOffer = now + this.callback.offer.offerAfterSeconds * 1000
    this.schedule()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private schedule(): void {
    const due = Math.min(this.nextAnnounce ?? Infinity, this.nextOffer ?? Infinity)
    if (this.stopped || due === Infinity) return
    this.timer = setTimeout(() => this.runSafely(), Math.max(0, due - Date.now()))
  }

  private runSafely(): void {
    this.run().catch((err: unknown) => {
      if (!this.ctx.ended()) this.ctx.log.warn({ err: (err as Error).message }, 'waiting-room message failed')
    })
  }

  private async run(): Promise<void> {
    if (this.stopped || this.ctx.ended()) return
    if (!this.ctx.waiting()) {
      // agents are ringing: look again in a second
      this.timer = setTimeout(() => this.runSafely(), 1000)
      return
    }
    const now = Date.now()
    if (this.callback && this.nextOffer !== undefined && this.nextOffer <= now) {
      const taken = await this.offerCallback(this.callback)
      if (taken) return this.stop()
      const repeat = this.callback.offer.repeatSeconds
      this.nextOffer = repeat > 0 ? Date.now() + repeat * 1000 : undefined
    } else if (this.nextAnnounce !== undefined && this.nextAnnounce <= now) {
      await this.announce()
      this.nextAnnounce = Date.now() + this.announceSeconds * 1000
    }
    if (this.stopped || this.ctx.ended()) return
    if (this.ctx.waiting()) this.ctx.resumeHold()
    this.schedule()
  }

  private async offerCallback(choice: CallbackChoice): Promise<boolean> {
    const { ctx } = this
    let key = ''
    try {
      key = await ctx.caller.collect(resolvePrompt(ctx.tenant, choice.offer.prompt), { minDigits: 1, maxDigits: 1, timeoutMs: 5000, terminators: '' })
    } catch (err) {
      if (!ctx.ended()) ctx.log.warn({ err: (err as Error).message }, 'callback offer could not be played')
      return false
    }
    ctx.log.info({ key: key || undefined, accepted: key === choice.offer.key }, 'callback offered')
    if (key !== choice.offer.key || !ctx.waiting()) return false
    try {
      return await choice.accept()
    } catch (err) {
      if (!ctx.ended()) ctx.log.warn({ err: (err as Error).message }, 'callback request interrupted')
      return false
    }
  }

  private async announce(): Promise<void> {
    const { ctx } = this
    const pos = await ctx.engine.position(ctx.tenant.id, ctx.callId).catch(() => undefined)
    if (!pos || pos.state !== 'waiting' || pos.position === 0) return
    const files = positionAnnouncement(pos.position, pos.estimatedWaitSeconds).map((p) => resolvePrompt(ctx.tenant, p))
    ctx.log.info({ position: pos.position, estimatedWaitSeconds: pos.estimatedWaitSeconds }, 'position announced')
    try {
      await ctx.caller.play(files)
    } catch (err) {
      if (!ctx.ended()) ctx.log.warn({ err: (err as Error).message }, 'announcement failed')
    }
  }
}

/**
 * Asks the caller for the number to call back (digits, then #): kept when the tenant may call it
 * (same policy as every outbound call), else the caller hears it is not valid.
 */
export async function askCallbackNumber(ctx: CallerContext, offer: CallbackOffer): Promise<string | undefined> {
  const digits = await ctx.caller.collect(resolvePrompt(ctx.tenant, offer.numberPrompt), { minDigits: 6, maxDigits: 16, timeoutMs: 10_000, terminators: '#' })
  const callable = callableNumber(ctx.engine.platform, ctx.tenant.id, digits)
  ctx.log.info({ digits: digits.length, accepted: callable.ok, reason: callable.ok ? undefined : callable.reason }, 'callback number entered')
  if (callable.ok) return callable.number
  await ctx.caller.play(resolvePrompt(ctx.tenant, 'invalid')).catch(() => undefined)
  return undefined
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
