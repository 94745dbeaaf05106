import type { Outcome } from './call'
import type { AgentLeg, CallerMedia, OutsideLeg } from './ports'

/**
 * What a step may ask of the call flow that runs it: back into a queue, to voicemail, to the
 * end, to join an outside party that answered. The flow implements it; steps stay small and are
 * tested with a fake.
 */
export interface FlowControls {
  /** Into `queue` (hold music, the waiting room), keeping a place when given. */
  requeue(queue: string, o?: { keepPlace?: { seq: string; enqueuedAt: number }; priority?: number; attributes?: Record<string, string>; hold?: boolean }): Promise<void>
  voicemail(reason: string): Promise<void>
  end(outcome: Outcome, reason: string): Promise<void>
  /** An outside party answered (transfer target, forward, technician): it becomes the far side. */
  joinOutside(leg: OutsideLeg): Promise<void>
  /** Keeps how to stop an outside call being rung, for when the caller leaves (undefined: none). */
  onCancel(cancel: (() => void) | undefined): void
  /** The callback offer, now. */
  offerCallbackNow(): void
  /** Whether `leg` is the connected agent's; `letGo` forgets it (its hang-up is then its own). */
  isConnectedAgent(leg: AgentLeg): boolean
  letGo(leg: AgentLeg): void
  callerMedia(): CallerMedia | undefined
}
