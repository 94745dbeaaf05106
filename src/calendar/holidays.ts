import Holidays from 'date-holidays'

/** Public holidays of a country (and region), local date (YYYY-MM-DD) -> English name, per year. */
const cache = new Map<string, Map<string, string>>()

export function publicHolidays(country: string, region: string | undefined, year: number): Map<string, string> {
  const key = `${country}/${region ?? ''}/${year}`
  let days = cache.get(key)
  if (!days) {
    days = new Map()
    const hd = region ? new Holidays(country, region, { languages: ['en'] }) : new Holidays(country, { languages: ['en'] })
    for (const h of hd.getHolidays(year, 'en') || []) {
      if (h.type !== 'public') continue
      const date = h.date.slice(0, 10)
      if (!days.has(date)) days.set(date, h.name)
    }
    if (cache.size > 500) cache.clear()
    cache.set(key, days)
  }
  return days
}

/** Whether date-holidays knows the country, and the region within it; the reason when it does not. */
export function holidayRegionProblem(country: string, region: string | undefined): string | undefined {
  const hd = new Holidays()
  const countries = hd.getCountries('en') ?? {}
  if (!Object.prototype.hasOwnProperty.call(countries, country)) return `unknown holiday country "${country}" (date-holidays knows ISO codes such as FR, BE, GB)`
  if (region === undefined) return undefined
  const states = hd.getStates(country, 'en') ?? {}
  if (!Object.prototype.hasOwnProperty.call(states, region)) {
    const known = Object.keys(states)
    return `unknown region "${region}" of ${country}${known.length ? ` (known: ${known.join(', ')})` : ' (it has no regions)'}`
  }
  return undefined
}
