/** Calendars of a tenant: weekly hours, holidays, the tenant's own dates, exceptions, extra hour sets. */

/** A range of local time on one day, in minutes since midnight: [start, end), end at most 1440 (24:00). */
export interface HourRange {
  start: number
  end: number
}

/** Hours of each weekday, index 0 = Monday ... 6 = Sunday; ranges sorted and not overlapping. */
export type WeeklyHours = HourRange[][]

/** An exceptional closure of whole days (no `hours`) or of some hours, on local dates `from`..`to` (inclusive). */
export interface Closure {
  id: string
  from: string
  to: string
  hours: HourRange[] | undefined
}

/** An exceptional opening on local dates `from`..`to`: these hours replace the weekly hours and holidays. */
export interface Opening {
  id: string
  from: string
  to: string
  hours: HourRange[]
}

export interface Calendar {
  id: string
  hours: WeeklyHours
  /** Public holidays of a country (and region) from date-holidays, type "public" only. */
  holidays: { country: string; region: string | undefined } | undefined
  /** The tenant's own closed days, local date (YYYY-MM-DD) -> name. */
  dates: Record<string, string>
  closures: Closure[]
  openings: Opening[]
  /** Named extra hour sets, weekly, added to the hours for some DDIs or callers' contracts. */
  extra: Record<string, WeeklyHours>
}
