import type { IvrChoice, IvrMenu, Tenant } from '../config/model'

/** What the IVR needs from media: play a prompt while collecting DTMF keys. */
export interface IvrPort {
  /**
   * Plays `prompt` and collects keys (RFC 2833); the first key interrupts the prompt. Resolves with
   * the keys collected ('' when the caller pressed nothing before the timeout).
   */
  collect(prompt: string, opts: { minDigits: number; maxDigits: number; timeoutMs: number; terminators: string }): Promise<string>
  play(prompt: string): Promise<void>
}

export interface IvrStep {
  menu: string
  input: string
  result: 'choice' | 'invalid' | 'timeout' | 'default' | 'collected' | 'not-collected'
}

export type IvrOutcome =
  | { kind: 'queue'; queue: string; attributes: Record<string, string>; priority?: number; trail: IvrStep[] }
  | { kind: 'voicemail' | 'hangup'; attributes: Record<string, string>; trail: IvrStep[] }

/** The longest walk through menus a caller can make before the current menu's default applies. */
const MAX_STEPS = 40

/** Runs a tenant's IVR from `start` and says where the call goes, with the caller's choices. */
export async function runIvr(tenant: Tenant, start: string, port: IvrPort): Promise<IvrOutcome> {
  const menus = new Map(tenant.ivrs.map((m) => [m.id, m]))
  const trail: IvrStep[] = []
  const attributes: Record<string, string> = {}
  let menu = menus.get(start)
  if (!menu) throw new Error(`tenant ${tenant.id} has no menu ${start}`)
  let tries = 0
  while (trail.length < MAX_STEPS) {
    const key = await port.collect(menu.prompt, { minDigits: 1, maxDigits: 1, timeoutMs: menu.timeoutSeconds * 1000, terminators: '' })
    const choice: IvrChoice | undefined = key ? menu.choices[key] : undefined
    if (!choice) {
      trail.push({ menu: menu.id, input: key, result: key ? 'invalid' : 'timeout' })
      tries++
      if (tries >= menu.maxTries) {
        trail.push({ menu: menu.id, input: '', result: 'default' })
        return apply(menu.fallback, menu)
      }
      if (key) await port.play(menu.invalidPrompt)
      continue
    }
    trail.push({ menu: menu.id, input: key, result: 'choice' })
    if (choice.menu) {
      menu = menus.get(choice.menu)!
      Object.assign(attributes, choice.set)
      tries = 0
      continue
    }
    return apply(choice, menu)
  }
  trail.push({ menu: menu.id, input: '', result: 'default' })
  return apply(menu.fallback, menu)

  async function apply(choice: IvrChoice, at: IvrMenu): Promise<IvrOutcome> {
    Object.assign(attributes, choice.set)
    if (choice.menu) {
      // a default that leads to another menu: start it over
      return runIvr(tenant, choice.menu, port).then((o) => ({ ...o, trail: [...trail, ...o.trail], attributes: { ...attributes, ...o.attributes } }))
    }
    if (choice.collect) {
      const c = choice.collect
      const digits = await port.collect(c.prompt, { minDigits: c.minDigits, maxDigits: c.maxDigits, timeoutMs: at.timeoutSeconds * 2000, terminators: '#' })
      if (digits.length >= c.minDigits && /^[0-9]+$/.test(digits)) {
        attributes[c.attribute] = digits
        trail.push({ menu: at.id, input: digits, result: 'collected' })
      } else {
        trail.push({ menu: at.id, input: digits, result: 'not-collected' })
      }
    }
    attributes['ivr'] = trail.map((s) => `${s.menu}:${s.result === 'collected' ? '#' : s.input || '-'}`).join('>')
    if (choice.queue) return { kind: 'queue', queue: choice.queue, attributes, priority: choice.priority, trail }
    return { kind: choice.action ?? 'hangup', attributes, trail }
  }
}
