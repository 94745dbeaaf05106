import { DateTime } from 'luxon'
import type { OnCallRota, Technician } from '../config/model'

/**
 * The first handover of the rota: on or after its `starts` date, at the handover day and time in
 * the tenant's zone. Weeks run from one handover to the next, in local time (a week across a
 * daylight-saving change is 167 or 169 hours long).
 */
export function firstHandover(rota: OnCallRota, zone: string): DateTime {
  const day = DateTime.fromISO(rota.starts, { zone }).startOf('day')
  const ahead = (rota.handover.weekday - day.weekday + 7) % 7
  return day.plus({ days: ahead }).set({ hour: Math.floor(rota.handover.minutes / 60), minute: rota.handover.minutes % 60 })
}

/** Index of the rota week `at` falls in (0 = the first technician's first week; negative before). */
export function rotaWeek(rota: OnCallRota, zone: string, at: Date): number {
  const h0 = firstHandover(rota, zone)
  const local = DateTime.fromJSDate(at, { zone })
  let k = Math.floor(local.diff(h0).as('days') / 7)
  while (h0.plus({ weeks: k + 1 }) <= local) k++
  while (h0.plus({ weeks: k }) > local) k--
  return k
}

/** The technician on duty at `at`: a swap covering that local date, else the week's. */
export function onDuty(rota: OnCallRota, zone: string, at: Date): Technician {
  const date = DateTime.fromJSDate(at, { zone }).toISODate()!
  const swap = [...rota.swaps].reverse().find((s) => s.from <= date && date <= s.to)
  const swapped = swap && rota.technicians.find((t) => t.id === swap.technician)
  if (swapped) return swapped
  const n = rota.technicians.length
  return rota.technicians[((rotaWeek(rota, zone, at) % n) + n) % n]!
}

/** Who is tried, in order: the technician on duty, then the others in the rota's order after them. */
export function callOrder(rota: OnCallRota, zone: string, at: Date): Technician[] {
  const first = onDuty(rota, zone, at)
  const i = rota.technicians.findIndex((t) => t.id === first.id)
  return [...rota.technicians.slice(i), ...rota.technicians.slice(0, i)]
}
