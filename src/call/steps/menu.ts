import { runIvr, type IvrOutcome } from '../../ivr/runner'
import { resolvePrompt } from '../../media/prompts'
import type { CallerContext } from '../call'

/**
 * The DDI's IVR on the answered caller. Undefined when the caller hung up meanwhile: the call never
 * reached a queue, and its history says where it stopped (`ivr_abandoned` with the keys pressed).
 */
export async function runMenu(ctx: CallerContext, menu: string): Promise<IvrOutcome | undefined> {
  const { call, media } = ctx
  const keys: string[] = []
  call.phase = 'menu'
  try {
    const outcome = await runIvr(call.tenant, menu, {
      collect: async (prompt, opts) => {
        const got = await media.collect(resolvePrompt(call.tenant, prompt), opts)
        keys.push(got || '-')
        return got
      },
      play: (prompt) => media.play(resolvePrompt(call.tenant, prompt)),
    })
    ctx.log.info({ ivr: outcome.attributes['ivr'], outcome: outcome.kind, queue: outcome.kind === 'queue' ? outcome.queue : undefined }, 'IVR choices')
    return outcome
  } catch (err) {
    if (!call.ended) ctx.log.warn({ err }, 'IVR interrupted')
    else {
      ctx.log.info({ ivr: menu, keys: keys.join(',') }, 'caller hung up in the IVR')
      await ctx.engine.record(call.tenant.id, { type: 'ivr_abandoned', call: call.id, ivr: menu, keys }).catch(() => undefined)
    }
    return undefined
  }
}
