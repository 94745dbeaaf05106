import type { EventInput, EventType } from '../../src/events/contract'

type Sample = { [T in EventType]: Extract<EventInput, { type: T }> }

/** One event of every type, every field set (optional ones too), for round trips. */
export const SAMPLES: Sample = {
  enqueued: { type: 'enqueued', call: 'c1', queue: 'sales', priority: 90, caller: '+33612345678', attrs: { ddi: '+33100000000', urgency: 'critical' }, referent: 'a4' },
  reserved: { type: 'reserved', call: 'c1', queue: 'sales', agents: ['a1', 'a2'], wait_ms: 3000, attempt: 1 },
  returned: { type: 'returned', call: 'c1', queue: 'sales', agent: 'a1', reason: 'ring-timeout' },
  connected: { type: 'connected', call: 'c1', queue: 'sales', agent: 'a2', wait_ms: 4000, callback: '+447700900123' },
  restored: { type: 'restored', call: 'c9', queue: 'sales', agent: 'a2', answered_at: 1_700_000_000_000, wait_ms: 4000 },
  completed: { type: 'completed', call: 'c1', queue: 'sales', agent: 'a2', agent_state: 'wrap-up', talk_ms: 60_000, wait_ms: 4000, ended_by: 'agent' },
  abandoned: { type: 'abandoned', call: 'c2', queue: 'sales', stage: 'ringing', wait_ms: 12_000 },
  overflowed: { type: 'overflowed', call: 'c3', queue: 'support', reason: 'max-wait', target: 'queue:sales', wait_ms: 100_000 },
  escalated: { type: 'escalated', call: 'c3', queue: 'sales', step: 1 },
  referent_timeout: { type: 'referent_timeout', call: 'c4', queue: 'sales', agent: 'a4' },
  rejected: { type: 'rejected', call: 'c5', queue: 'support', reason: 'queue-full' },
  agent_state: { type: 'agent_state', agent: 'a3', from: 'available', to: 'paused', reason: 'lunch' },
  callback_requested: { type: 'callback_requested', call: 'c6', queue: 'help', number: '+447700900123', wait_ms: 40_000 },
  callback_connected: { type: 'callback_connected', call: 'c6', queue: 'help', agent: 'g1', number: '+447700900123', attempt: 2, wait_ms: 90_000 },
  callback_failed: { type: 'callback_failed', call: 'c6', queue: 'help', agent: 'g1', agent_state: 'available', number: '+447700900123', attempt: 1, outcome: 'busy', final: false },
  callback_retry: { type: 'callback_retry', call: 'c6', queue: 'help', attempt: 2 },
  voicemail: { type: 'voicemail', call: 'c7', queue: 'sales', reason: 'closed', file: '/var/voicemail/acme/c7.wav', caller: '+33612345678', attrs: { ddi: '+33100000000' } },
  closed: { type: 'closed', call: 'c7', queue: 'sales', action: 'voicemail', caller: '+33612345678' },
  ivr_abandoned: { type: 'ivr_abandoned', call: 'c8', ivr: 'main', keys: ['1', '-', '3'] },
  call_ended: {
    type: 'call_ended',
    call: 'c1',
    queue: 'sales',
    outcome: 'answered',
    reason: 'agent-hangup',
    ended_by: 'agent',
    agent: 'a2',
    wait_ms: 4000,
    talk_ms: 60_000,
    duration_ms: 70_000,
  },
}
