import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max'

/**
 * Normalises a dialled number to E.164. Accepts "+33 1 70 00 00 01", "0033170000001",
 * national "01 70 00 00 01" (with the default region) and SIP user parts such as "+33170000001".
 * Returns undefined when the number is not a valid phone number.
 */
export function toE164(text: string, defaultRegion: string): string | undefined {
  let cleaned = text.trim().replace(/[\s().-]/g, '')
  if (cleaned.startsWith('00')) cleaned = '+' + cleaned.slice(2)
  if (!/^\+?\d{3,17}$/.test(cleaned)) return undefined
  const parsed = parsePhoneNumberFromString(cleaned, defaultRegion as CountryCode)
  if (!parsed || !parsed.isValid()) return undefined
  return parsed.number
}
