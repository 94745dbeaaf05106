import type { CallbackOffer } from '../../config/model'
import { resolvePrompt } from '../../media/prompts'
import { callableNumber } from '../../routing/number-policy'
import type { CallerContext } from '../call'
import type { CallbackChoice } from './waiting-room'

const NUMBER_ENTRY_MS = 10_000

/**
 * The callback offer a waiting caller gets, if any: to the caller's own number when the tenant
 * may call it (same number policy as every outbound call), else, with `ask_number`, to a number
 * the caller keys in. Accepting keeps the call's place; the caller hears the confirmation and is
 * let go (`letGo`).
 */
export function callbackChoice(ctx: CallerContext, offer: CallbackOffer, letGo: () => Promise<void>): CallbackChoice | undefined {
  const { call } = ctx
  const accept = async (number: string): Promise<boolean> => {
    try {
      await ctx.engine.requestCallback(call.tenant.id, call.id, number)
    } catch (err) {
      ctx.log.info({ err: (err as Error).message }, 'callback not taken')
      return false
    }
    call.callbackNumber = number
    call.phase = 'callback'
    ctx.log.info({ number }, 'callback requested: the caller keeps their place and hangs up')
    await ctx.media.play(resolvePrompt(call.tenant, offer.confirmPrompt)).catch(() => undefined)
    await letGo()
    return true
  }
  const callable = callableNumber(ctx.engine.platform, call.tenant.id, call.callerNumber)
  if (callable.ok) return { offer, accept: () => accept(callable.number) }
  if (!offer.askNumber) {
    ctx.log.info({ reason: callable.reason }, 'no callback offer: the caller cannot be called back')
    return undefined
  }
  return {
    offer,
    accept: async () => {
      const number = await askCallbackNumber(ctx, offer)
      return number !== undefined && accept(number)
    },
  }
}

/**
 * Asks the caller for the number to call back (digits, then #): kept when the tenant may call it,
 * else the caller hears it is not valid.
 */
export async function askCallbackNumber(ctx: CallerContext, offer: CallbackOffer): Promise<string | undefined> {
  const { call } = ctx
  const digits = await ctx.media.collect(resolvePrompt(call.tenant, offer.numberPrompt), { minDigits: 6, maxDigits: 16, timeoutMs: NUMBER_ENTRY_MS, terminators: '#' })
  const callable = callableNumber(ctx.engine.platform, call.tenant.id, digits)
  ctx.log.info({ digits: digits.length, accepted: callable.ok, reason: callable.ok ? undefined : callable.reason }, 'callback number entered')
  if (callable.ok) return callable.number
  await ctx.media.play(resolvePrompt(call.tenant, 'invalid')).catch(() => undefined)
  return undefined
}
