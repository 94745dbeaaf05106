import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The default prompt set: what each prompt says, per language. Digits 0..9 are prompts too. */
export const PHRASES: Record<string, Record<string, string>> = {
  en: {
    welcome: 'Welcome.',
    invalid: 'Sorry, that choice is not valid.',
    'you-are-number': 'You are number',
    'in-queue': 'in the queue.',
    'estimated-wait': 'Your estimated waiting time is',
    minutes: 'minutes.',
    'less-than-a-minute': 'less than a minute.',
    'callback-offer': 'To be called back without losing your place, press 1.',
    'callback-confirmed': 'Thank you. We will call you back. You may hang up now.',
    'enter-callback-number': 'Please enter the number we should call you back on, followed by the hash key.',
    'enter-customer-number': 'Please enter your customer number, followed by the hash key.',
    closed: 'We are closed at the moment. Please call again during our opening hours.',
    'leave-message': 'Please leave a message after the tone.',
    ...digits(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']),
  },
  fr: {
    welcome: 'Bienvenue.',
    invalid: "Désolé, ce choix n'est pas valide.",
    'you-are-number': 'Vous êtes le numéro',
    'in-queue': "dans la file d'attente.",
    'estimated-wait': "Votre temps d'attente estimé est de",
    minutes: 'minutes.',
    'less-than-a-minute': "moins d'une minute.",
    'callback-offer': 'Pour être rappelé sans perdre votre place, tapez 1.',
    'callback-confirmed': 'Merci. Nous vous rappellerons. Vous pouvez raccrocher.',
    'enter-callback-number': 'Veuillez saisir le numéro auquel nous devons vous rappeler, suivi de la touche dièse.',
    'enter-customer-number': 'Veuillez saisir votre numéro client, suivi de la touche dièse.',
    closed: 'Nous sommes fermés pour le moment. Merci de rappeler pendant nos heures d’ouverture.',
    'leave-message': 'Veuillez laisser un message après le bip.',
    ...digits(['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf']),
  },
}

/** Languages the default prompt set speaks. */
export const PROMPT_LANGUAGES: readonly string[] = Object.keys(PHRASES)

function digits(words: string[]): Record<string, string> {
  return Object.fromEntries(words.map((w, i) => [`digit-${i}`, w]))
}

/** A number said digit by digit: the prompt names to play one after the other. */
export function numberPrompts(n: number): string[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`cannot say ${n}`)
  return String(n)
    .split('')
    .map((d) => `digit-${d}`)
}

/** The position-and-wait announcement as a sequence of prompt names. */
export function positionAnnouncement(position: number, estimatedWaitSeconds: number): string[] {
  const minutes = Math.round(estimatedWaitSeconds / 60)
  return [
    'you-are-number',
    ...numberPrompts(position),
    'in-queue',
    'estimated-wait',
    ...(minutes < 1 ? ['less-than-a-minute'] : [...numberPrompts(minutes), 'minutes']),
  ]
}

export function missingTools(): string[] {
  return ['espeak-ng', 'sox'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0)
}

/**
 * Writes the default prompt set of `language` into `dir` as 8 kHz mono 16-bit WAV files, spoken by
 * espeak-ng and converted by sox. Returns the files written.
 */
export function generatePromptSet(language: string, dir: string): string[] {
  const phrases = PHRASES[language]
  if (!phrases) throw new Error(`no default prompts for language "${language}" (have: ${Object.keys(PHRASES).join(', ')})`)
  const missing = missingTools()
  if (missing.length) throw new Error(`missing ${missing.join(' and ')} (Debian packages espeak-ng, sox)`)
  mkdirSync(dir, { recursive: true })
  const work = mkdtempSync(join(tmpdir(), 'acd-prompts-'))
  const written: string[] = []
  try {
    for (const [name, text] of Object.entries(phrases)) {
      const raw = join(work, `${name}.raw.wav`)
      const out = join(dir, `${name}.wav`)
      const speak = spawnSync('espeak-ng', ['-v', language, '-s', '150', '-w', raw, text], { encoding: 'utf8' })
      if (speak.status !== 0) throw new Error(`espeak-ng failed for ${name}: ${speak.stderr}`)
      const convert = spawnSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', out], { encoding: 'utf8' })
      if (convert.status !== 0) throw new Error(`sox failed for ${name}: ${convert.stderr}`)
      written.push(out)
    }
    written.push(generateHoldMusic(join(dir, 'hold-music.wav')))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return written
}

/** A short, calm arpeggio (8 kHz mono) looped as the default hold music. */
function generateHoldMusic(file: string): string {
  const notes = [523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880.0, 698.46, 523.25, 659.25, 783.99, 1046.5, 783.99, 659.25, 587.33, 493.88]
  const chain = notes.flatMap((f, i) => [...(i ? [':'] : []), 'synth', '0.45', 'sine', String(f), 'fade', 'q', '0.02', '0.45', '0.15', 'gain', '-9'])
  const r = spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', file, ...chain], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`sox failed for hold music: ${r.stderr}`)
  return file
}
