import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import type { Tenant } from '../config/model'
import { PHRASES } from './prompt-set'

/** Where the prompt sets live: PROMPTS_DIR/<language>/<name>.wav */
export function promptsDir(): string {
  return resolve(process.env['PROMPTS_DIR'] ?? 'var/prompts')
}

/**
 * A prompt named in the configuration, as FreeSWITCH plays it: a name, found among the tenant's own
 * recordings (`prompt_dir`) or else in the default set of its language; or a file path or a
 * FreeSWITCH stream (tone_stream://, local_stream://) as is.
 */
export function resolvePrompt(tenant: Tenant, name: string): string {
  if (name.includes('://') || isAbsolute(name)) return name
  if (tenant.promptDir) {
    const own = join(tenant.promptDir, `${name}.wav`)
    if (existsSync(own)) return own
  }
  return join(promptsDir(), tenant.language, `${name}.wav`)
}

/** Where voicemail recordings are written: VOICEMAIL_DIR/<tenant>/<yyyy-mm-dd>/<call>.wav */
export function voicemailFile(tenant: string, call: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10)
  return join(resolve(process.env['VOICEMAIL_DIR'] ?? 'var/voicemail'), tenant, day, `${call}.wav`)
}

/** Ringback cadences (ITU-T E.180) of a few regions; others get the ITU recommendation. */
const RINGBACK: Record<string, string> = {
  FR: '%(1500,3500,440)',
  GB: '%(400,200,400,450);%(400,2000,400,450)',
  US: '%(2000,4000,440,480)',
  CA: '%(2000,4000,440,480)',
  DE: '%(1000,4000,425)',
  ES: '%(1500,3000,425)',
  IT: '%(1000,4000,425)',
}

/** The ringback tone of a region, looping, as a FreeSWITCH stream. */
export function ringbackTone(region: string): string {
  return `tone_stream://L=-1;${RINGBACK[region] ?? '%(1000,4000,425)'}`
}

/**
 * The hold music of a queue: its own `hold_music` (a prompt name, file or stream, or `ringback`:
 * callers hear ringing, not music), else the tenant's prompt set's `hold-music`, else undefined
 * (the media layer's built-in tone pattern).
 */
export function holdMusicFor(tenant: Tenant, queueMusic: string | undefined, region = 'FR'): string | undefined {
  if (queueMusic === 'ringback') return ringbackTone(region)
  if (queueMusic) return resolvePrompt(tenant, queueMusic)
  const file = resolvePrompt(tenant, 'hold-music')
  return existsSync(file) ? file : undefined
}

/**
 * Prompts of the default set (announcements, callback offer, voicemail, digits) that a tenant can
 * play from neither its own recordings nor the default set on this machine: its callers would hear
 * silence there.
 */
export function missingPrompts(tenant: Tenant): string[] {
  const names = Object.keys(PHRASES[tenant.language] ?? PHRASES['en']!)
  return names.filter((name) => !existsSync(resolvePrompt(tenant, name)))
}
