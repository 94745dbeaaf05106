import type { CallbackOffer } from '../../config/model'
import { positionAnnouncement } from '../../media/prompt-set'
import { resolvePrompt } from '../../media/prompts'
import type { CallerContext } from '../call'

/** The callback offer of the caller's queue, and what accepting it does. */
export interface CallbackChoice {
  offer: CallbackOffer
  /** The caller pressed the key: true when the callback is taken (the caller is then let go). */
  accept(): Promise<boolean>
}

/** How long the caller has to press the callback key once the offer starts. */
const OFFER_KEY_MS = 5000
/** While agents ring nothing plays: look again after this long. */
const RINGING_RECHECK_MS = 1000

/**
 * What a waiting caller hears between stretches of hold music: position and estimated-wait
 * announcements every `announce_seconds` (counted from the end of the previous one), and the
 * callback offer after `offer_after_seconds` (again every `repeat_seconds`). One plays at a time;
 * while agents ring nothing is played and what is due waits; the hold music resumes after each.
 * Runs on the call flow's timers.
 */
export class WaitingRoom {
  private cancel?: () => void
  private stopped = false
  private nextAnnounce?: number
  private nextOffer?: number

  constructor(
    private readonly ctx: CallerContext,
    private readonly announceSeconds: number,
    private readonly callback: CallbackChoice | undefined,
  ) {}

  start(): void {
    const now = this.ctx.timers.now()
    if (this.announceSeconds > 0) this.nextAnnounce = now + this.announceSeconds * 1000
    if (this.callback) this.nextOffer = now + this.callback.offer.offerAfterSeconds * 1000
    this.schedule()
  }

  stop(): void {
    this.stopped = true
    this.cancel?.()
  }

  /** An overflow rule asks for the callback offer now (after what is playing, if anything). */
  offerCallbackNow(): void {
    if (!this.callback || this.gone) return
    this.nextOffer = this.ctx.timers.now()
    if (this.running) return
    this.cancel?.()
    this.schedule()
  }

  private get gone(): boolean {
    return this.stopped || this.ctx.call.ended
  }

  private schedule(): void {
    const due = Math.min(this.nextAnnounce ?? Infinity, this.nextOffer ?? Infinity)
    if (this.gone || due === Infinity) return
    this.cancel = this.ctx.timers.after(Math.max(0, due - this.ctx.timers.now()), () => this.runSafely())
  }

  private runSafely(): void {
    this.run().catch((err: unknown) => {
      if (!this.ctx.call.ended) this.ctx.log.warn({ err: (err as Error).message }, 'waiting-room message failed')
    })
  }

  private running = false

  private async run(): Promise<void> {
    this.running = true
    try {
      await this.runOnce()
    } finally {
      this.running = false
    }
  }

  private async runOnce(): Promise<void> {
    if (this.gone) return
    if (!this.ctx.call.waiting) {
      this.cancel = this.ctx.timers.after(RINGING_RECHECK_MS, () => this.runSafely())
      return
    }
    const now = this.ctx.timers.now()
    if (this.callback && this.nextOffer !== undefined && this.nextOffer <= now) {
      const taken = await this.offerCallback(this.callback)
      if (taken) return this.stop()
      const repeat = this.callback.offer.repeatSeconds
      this.nextOffer = repeat > 0 ? this.ctx.timers.now() + repeat * 1000 : undefined
    } else if (this.nextAnnounce !== undefined && this.nextAnnounce <= now) {
      await this.announce()
      this.nextAnnounce = this.ctx.timers.now() + this.announceSeconds * 1000
    }
    if (this.gone) return
    if (this.ctx.call.waiting) this.ctx.resumeHold()
    this.schedule()
  }

  private async offerCallback(choice: CallbackChoice): Promise<boolean> {
    const { ctx } = this
    let key = ''
    try {
      key = await ctx.media.collect(resolvePrompt(ctx.call.tenant, choice.offer.prompt), { minDigits: 1, maxDigits: 1, timeoutMs: OFFER_KEY_MS, terminators: '' })
    } catch (err) {
      if (!ctx.call.ended) ctx.log.warn({ err: (err as Error).message }, 'callback offer could not be played')
      return false
    }
    ctx.log.info({ key: key || undefined, accepted: key === choice.offer.key }, 'callback offered')
    if (key !== choice.offer.key || !ctx.call.waiting) return false
    try {
      return await choice.accept()
    } catch (err) {
      if (!ctx.call.ended) ctx.log.warn({ err: (err as Error).message }, 'callback request interrupted')
      return false
    }
  }

  private async announce(): Promise<void> {
    const { ctx } = this
    const pos = await ctx.engine.position(ctx.call.tenant.id, ctx.call.id).catch(() => undefined)
    if (!pos || pos.state !== 'waiting' || pos.position === 0) return
    const files = positionAnnouncement(pos.position, pos.estimatedWaitSeconds).map((p) => resolvePrompt(ctx.call.tenant, p))
    ctx.log.info({ position: pos.position, estimatedWaitSeconds: pos.estimatedWaitSeconds }, 'position announced')
    try {
      await ctx.media.play(files)
    } catch (err) {
      if (!ctx.call.ended) ctx.log.warn({ err: (err as Error).message }, 'announcement failed')
    }
  }
}
