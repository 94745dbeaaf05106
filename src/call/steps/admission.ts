/** Why a call is turned away at the door, before it is answered or queued. */
export interface Refusal {
  status: number
  reason: 'media-refused' | 'channels-full'
  headers: Record<string, string>
  detail: string
}

/**
 * The entry checks of an inbound call, in order: media the platform can take (when it has a
 * media server), then a channel of the trunk (the cap is shared by every instance). Nothing is
 * taken when a check fails.
 */
export async function admit(checks: { mediaProblem(): string | undefined; takeChannel(): Promise<boolean> }): Promise<Refusal | undefined> {
  const problem = checks.mediaProblem()
  if (problem) return { status: 488, reason: 'media-refused', headers: { Warning: `399 acd "${problem}"` }, detail: problem }
  if (!(await checks.takeChannel())) return { status: 503, reason: 'channels-full', headers: { 'Retry-After': '10' }, detail: 'trunk inbound channels full' }
  return undefined
}
