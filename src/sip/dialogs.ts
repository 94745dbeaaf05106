import type Srf from 'drachtio-srf'
import { realTimers, within } from '../call/timers'

/**
 * Ends a dialog without caring whether it is still there: drachtio-srf rejects (ENODIALOG) when the
 * other side already ended it, which is normal at the end of a call.
 */
export function endDialog(dialog: Srf.Dialog | undefined): void {
  if (!dialog) return
  try {
    const done = dialog.destroy() as unknown
    if (done && typeof (done as Promise<void>).catch === 'function') (done as Promise<void>).catch(() => undefined)
  } catch {
    /* already gone */
  }
}

/** Waits for `work` at most `ms`; media servers may never answer for a channel already gone. */
export function bounded(work: Promise<unknown>, ms: number): Promise<boolean> {
  return within(realTimers, work, ms)
}

/**
 * The CANCEL of an INVITE the platform sends, whenever it is asked for: before drachtio-srf has
 * handed the request over (it is cancelled as soon as it exists) or after (at once).
 */
export function inviteCanceller(): { cancel(): void; readonly cancelled: boolean; progress: { cbRequest: (req: Srf.SrfRequest) => void } } {
  let request: Srf.SrfRequest | undefined
  let cancelled = false
  const stop = (r: Srf.SrfRequest | undefined) => {
    try {
      r?.cancel(() => undefined)
    } catch {
      // the INVITE has ended already
    }
  }
  return {
    cancel: () => {
      cancelled = true
      stop(request)
    },
    get cancelled() {
      return cancelled
    },
    progress: {
      // drachtio-srf calls it as (err, request), whatever its type declaration says
      cbRequest: ((_err: unknown, r?: Srf.SrfRequest) => {
        request = r
        if (cancelled) stop(r)
      }) as unknown as (req: Srf.SrfRequest) => void,
    },
  }
}
