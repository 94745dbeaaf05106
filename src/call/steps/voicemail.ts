import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { resolvePrompt, voicemailFile } from '../../media/prompts'
import type { CallerContext } from '../call'

/** Longest message, seconds. */
const MAX_MESSAGE_SECONDS = 120

/** The caller leaves a message: recorded under the tenant, written into the tenant's history. */
export async function takeVoicemail(ctx: CallerContext, reason: string): Promise<void> {
  const { call } = ctx
  call.phase = 'voicemail'
  const file = voicemailFile(call.tenant.id, call.id, new Date(ctx.timers.now()))
  await mkdir(dirname(file), { recursive: true })
  await ctx.engine.record(call.tenant.id, { type: 'voicemail', call: call.id, queue: call.queue || undefined, reason, file, caller: call.callerNumber, attrs: call.attributes })
  ctx.log.info({ reason, file }, 'voicemail')
  try {
    await ctx.media.play([resolvePrompt(call.tenant, 'leave-message'), 'tone_stream://%(500,0,1000)'])
    if (!call.ended) await ctx.media.record(file, MAX_MESSAGE_SECONDS)
  } catch (err) {
    if (!call.ended) ctx.log.warn({ err: (err as Error).message }, 'voicemail recording failed')
  }
}
