import type Srf from 'drachtio-srf'

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
export async function bounded(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([work.then(() => true, () => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
