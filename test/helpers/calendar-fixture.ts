import { DateTime } from 'luxon'
import { parseConfig } from '../../src/config/load'

/**
 * Calendars for the tests: "brux" (Europe/Brussels, the contract's example office calendar, Belgian
 * holidays of Flanders), "nyc" (America/New_York), "tokyo" (Asia/Tokyo, no calendar: always open).
 */
export const CALENDAR_YAML = `
tenants:
  - id: brux
    name: Brux Services
    timezone: Europe/Brussels
    skills: [help]
    calendar: office
    calendars:
      office:
        hours:
          mon-fri: ["08:30-12:30", "14:00-18:00"]
          sat: ["09:00-12:00"]
        holidays: { country: BE, region: VLG }
        dates:
          - { date: "2026-12-24", name: christmas-eve }
        closures:
          - { id: inventory, from: "2027-03-01", to: "2027-03-02" }
          - { id: training, date: "2027-03-10", hours: ["14:00-18:00"] }
        openings:
          - { id: sale-saturday, date: "2027-01-09", hours: ["09:00-17:00"] }
          - { id: whit-monday-desk, date: "2027-05-17", hours: ["10:00-16:00"] }
        extra:
          extended: { mon-fri: ["07:00-08:30", "12:30-14:00", "18:00-19:00"] }
      weekdays:
        hours: { mon-fri: ["08:30-12:30", "14:00-18:00"] }
        holidays: { country: BE, region: VLG }
        dates:
          - { date: "2026-12-24", name: christmas-eve }
        extra:
          extended: { mon-fri: ["07:00-08:30", "12:30-14:00", "18:00-19:00"] }
      support:
        hours: { mon-fri: ["09:00-17:00"] }
      night:
        hours: { sun: ["01:00-05:00"] }
      always:
        hours: { mon-sun: ["00:00-24:00"] }
    contracts:
      premium: [extended]
    contract_numbers:
      "+32470000001": premium
    response_times: { critical: 1, blocking: 4, minor: 8, non-blocking: 16 }
    default_urgency: minor
    ddis:
      - { number: "+32 2 555 12 31", queue: desk }
      - { number: "+32 2 555 12 32", queue: desk, extra_hours: [extended] }
      - { number: "+32 2 555 12 33", queue: helpdesk }
    queues:
      - { id: desk, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle }
      - { id: helpdesk, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle, calendar: support, at_closing: overflow }
      - { id: shut, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle, closed: true }
  - id: nyc
    name: NYC Help
    timezone: America/New_York
    skills: [help]
    calendar: office
    calendars:
      office:
        hours: { mon-fri: ["09:00-17:00"] }
        holidays: { country: US }
    response_times: { urgent: 2 }
    ddis:
      - { number: "+1 212 555 0100", queue: help }
    queues:
      - { id: help, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle }
  - id: tokyo
    name: Tokyo Always
    timezone: Asia/Tokyo
    skills: [help]
    response_times: { minor: 8 }
    default_urgency: minor
    ddis:
      - { number: "+81 3 3210 1234", queue: help }
    queues:
      - { id: help, skills: [{ skill: help, min_level: 1 }], strategy: longest-idle }
`

export function calendarConfig() {
  return parseConfig(CALENDAR_YAML, 'calendars.yaml')
}

/** A local wall-clock time in `zone` ("2026-12-04 17:00") as an instant. */
export function local(zone: string, text: string): Date {
  const d = DateTime.fromFormat(text, 'yyyy-MM-dd HH:mm', { zone })
  if (!d.isValid) throw new Error(`bad local time ${text}`)
  return d.toJSDate()
}

export const bxl = (text: string) => local('Europe/Brussels', text)
export const iso = (d: Date | undefined) => d?.toISOString()
