import { isAbsolute, join, resolve } from 'node:path'
import type { Tenant } from '../config/model'

/** Where the prompt sets live: PROMPTS_DIR/<language>/<name>.wav */
export function promptsDir(): string {
  return resolve(process.env['PROMPTS_DIR'] ?? 'var/prompts')
}

/**
 * A prompt named in the configuration, as FreeSWITCH plays it: a name of the tenant's prompt set
 * (its language), or a file path or a FreeSWITCH stream (tone_stream://, local_stream://) as is.
 */
export function resolvePrompt(tenant: Tenant, name: string): string {
  if (name.includes('://') || isAbsolute(name)) return name
  return join(promptsDir(), tenant.language, `${name}.wav`)
}

/** Where voicemail recordings are written: VOICEMAIL_DIR/<tenant>/<yyyy-mm-dd>/<call>.wav */
export function voicemailFile(tenant: string, call: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10)
  return join(resolve(process.env['VOICEMAIL_DIR'] ?? 'var/voicemail'), tenant, day, `${call}.wav`)
}
