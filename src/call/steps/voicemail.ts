import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { resolvePrompt, voicemailFile } from '../../media/prompts'
import { tenantDueTime } from '../../routing/opening'
import type { CallerContext } from '../call'

/** Longest message, seconds. */
const MAX_MESSAGE_SECONDS = 120

/** The caller leaves a message: recorded under the tenant, written into the tenant's history. */
export async function takeVoicemail(ctx: CallerContext, reason: string): Promise<void> {
  const { call } = ctx
  call.phase = 'voicemail'
  const file = voicemailFile(call.tenant.id, call.id, new Date(ctx.timers.now()))
  await mkdir(dirname(file), { recursive: true })
  const due = tenantDueTime(call.tenant, call.attributes['urgency'], new Date(ctx.timers.now()), call.queueConfig()?.calendar)
  await ctx.engine.record(call.tenant.id, {
    type: 'voicemail',
    call: call.id,
    queue: call.queue || undefined,
    reason,
    file,
    caller: call.callerNumber,
    attrs: call.attributes,
    due: due?.due.getTime(),
    urgency: due?.urgency,
  })
  ctx.log.info({ reason, file, due: due?.due }, 'voicemail')
  try {
    await ctx.media.play([resolvePrompt(call.tenant, 'leave-message'), 'tone_stream://%(500,0,1000)'])
    if (!call.ended) await ctx.media.record(file, MAX_MESSAGE_SECONDS)
  } catch (err) {
    if (!call.ended) ctx.log.warn({ err: (err as Error).message }, 'voicemail recording failed')
  }
}
