import { AGENT, AGENT_STATE, ATTEMPT, ATTRS, CALL, CALLER, ENDED_BY, NUMBER, QUEUE, WAIT_MS } from './fields'
import type { EventSpec } from './contract'

/**
 * Events the ACD's Lua scripts write (src/acd/lua, `emit(tenant, type, now, { field, value, ... })`),
 * in the same step as the state change they tell. test/events/contract.test.ts reads the scripts
 * and holds them to these declarations.
 */
export const ENGINE_EVENTS = {
  enqueued: {
    by: 'engine',
    doc: 'The call entered a queue (again after an overflow to another queue or a transfer to a queue).',
    fields: {
      call: CALL,
      queue: QUEUE,
      priority: { kind: 'int', doc: 'the priority, 0..99 (higher first)' },
      caller: CALLER,
      attrs: ATTRS,
      referent: { kind: 'string', optional: true, doc: 'the referent agent the call first waits for' },
    },
  },
  reserved: {
    by: 'engine',
    doc: 'Agents were reserved for the call and are rung; they are now reserved.',
    fields: {
      call: CALL,
      queue: QUEUE,
      agents: { kind: 'list', doc: 'the agents offered the call (several for ring-all)' },
      wait_ms: WAIT_MS,
      attempt: { kind: 'int', doc: "the call's offer, counted from 1" },
    },
  },
  returned: {
    by: 'engine',
    doc: 'An offered agent did not take the call: it goes back to its place unless other agents still ring.',
    fields: {
      call: CALL,
      queue: QUEUE,
      agent: AGENT,
      reason: { kind: 'string', doc: 'ring-timeout, busy, declined, unreachable, logout, paused or site-down' },
    },
  },
  connected: {
    by: 'engine',
    doc: 'The agent answered and is connected to the caller (for a callback: before the customer is called).',
    fields: {
      call: CALL,
      queue: QUEUE,
      agent: { kind: 'string', doc: 'the agent who answered, now on-call' },
      wait_ms: WAIT_MS,
      callback: { kind: 'string', optional: true, doc: 'for a callback, the number the customer is called on' },
    },
  },
  restored: {
    by: 'engine',
    doc: "A connected call the ACD lost (Redis came back without its state) was told again by the instance carrying it: the call is connected to the agent, now on-call.",
    fields: {
      call: CALL,
      queue: QUEUE,
      agent: { kind: 'string', doc: 'the agent connected to the call' },
      answered_at: { kind: 'time', doc: 'when the agent answered, as the instance remembers it' },
      wait_ms: WAIT_MS,
    },
  },
  completed: {
    by: 'engine',
    doc: "A connected call ended; the agent's next state is told here.",
    fields: {
      call: CALL,
      queue: QUEUE,
      agent: AGENT,
      agent_state: AGENT_STATE,
      talk_ms: { kind: 'ms', doc: 'the talk time, from the answer (the customer answering, for a callback)' },
      wait_ms: { kind: 'ms', doc: 'the wait, from the arrival in the queue to the answer' },
      ended_by: ENDED_BY,
    },
  },
  abandoned: {
    by: 'engine',
    doc: 'The caller hung up before being connected.',
    fields: {
      call: CALL,
      queue: QUEUE,
      stage: { kind: 'string', values: ['queued', 'ringing'], doc: 'waiting, or while agents were rung' },
      wait_ms: WAIT_MS,
    },
  },
  overflowed: {
    by: 'engine',
    doc: 'The call left its queue for the overflow target (for the target callback it keeps its place: its caller is offered a callback).',
    fields: {
      call: CALL,
      queue: QUEUE,
      reason: { kind: 'string', doc: 'why: max-wait, or the overflow rule: waited, waiting, no-agents, estimated-wait, closed' },
      target: { kind: 'string', doc: 'queue:<id>, voicemail, hangup, callback, number:<E.164> or backup-site' },
      wait_ms: WAIT_MS,
    },
  },
  escalated: {
    by: 'engine',
    doc: "The call's wait reached the next escalation step: more agents may take it.",
    fields: { call: CALL, queue: QUEUE, step: { kind: 'int', doc: 'the step reached (0 is the first)' } },
  },
  referent_timeout: {
    by: 'engine',
    doc: 'The referent agent did not take the call in time: it waits for any agent of its queue.',
    fields: { call: CALL, queue: QUEUE, agent: { kind: 'string', doc: 'the referent agent' } },
  },
  rejected: {
    by: 'engine',
    doc: 'The call was not queued.',
    fields: { call: CALL, queue: QUEUE, reason: { kind: 'string', doc: 'why (queue-full)' } },
  },
  agent_state: {
    by: 'engine',
    doc:
      "An agent's state changed outside a call's event (login, logout, pause, unpause, end of wrap-up, release after a ring); " +
      "one per tenant of the agent's session. A change caused by a call is told by that call's event " +
      '(reserved names the agents offered, connected the agent, completed the agent and its next state).',
    fields: {
      agent: AGENT,
      from: { ...AGENT_STATE, doc: 'the state before' },
      to: { ...AGENT_STATE, doc: 'the state after' },
      reason: { kind: 'string', optional: true, doc: 'the pause reason (no-answer after too many missed rings)' },
    },
  },
  callback_requested: {
    by: 'engine',
    doc: 'The waiting caller asked to be called back and may hang up: the call keeps its place.',
    fields: {
      call: CALL,
      queue: QUEUE,
      number: NUMBER,
      wait_ms: WAIT_MS,
      due: { kind: 'time', optional: true, doc: "when the callback is due: the urgency's response time in working hours of the queue's calendar" },
      urgency: { kind: 'string', optional: true, doc: "the urgency the due time comes from (the call's, else the tenant's default)" },
      not_before: { kind: 'time', optional: true, doc: 'asked outside the calling hours: not attempted before their next opening' },
    },
  },
  callback_connected: {
    by: 'engine',
    doc: "The customer of a callback answered and is connected to the callback's agent.",
    fields: {
      call: CALL,
      queue: QUEUE,
      agent: AGENT,
      number: NUMBER,
      attempt: ATTEMPT,
      wait_ms: { kind: 'ms', doc: 'from the callback request to the customer answering' },
    },
  },
  callback_failed: {
    by: 'engine',
    doc: 'An attempt to call the customer back failed, or the callback expired before it was made.',
    fields: {
      call: CALL,
      queue: QUEUE,
      agent: { kind: 'string', optional: true, doc: "the callback's agent, now free (absent when it expired)" },
      agent_state: { ...AGENT_STATE, optional: true },
      number: NUMBER,
      attempt: { kind: 'int', doc: 'the attempts made so far' },
      outcome: { kind: 'string', values: ['busy', 'no-answer', 'failed', 'expired'], doc: 'how the attempt went' },
      final: { kind: 'flag', doc: 'yes: the callback is given up; no: it is retried' },
    },
  },
  callback_retry: {
    by: 'engine',
    doc: 'A callback waiting out of the queue (after a failed attempt, or for the calling hours to open) is due again: back in its original place in the queue.',
    fields: { call: CALL, queue: QUEUE, attempt: { kind: 'int', doc: 'the attempt it waits for' } },
  },
  callback_held: {
    by: 'engine',
    doc: "The callee's calling hours are closed: the callback waits out of the queue, keeping its place, until they open (then callback_retry).",
    fields: { call: CALL, queue: QUEUE, until: { kind: 'time', doc: 'when the calling hours open again' } },
  },
  callback_breached: {
    by: 'engine',
    doc: 'A callback was not made by its due time (the customer not connected): a breach of its response time, also counted in acd_callback_breaches_total.',
    fields: {
      call: CALL,
      queue: QUEUE,
      number: NUMBER,
      due: { kind: 'time', doc: 'the due time it missed' },
      urgency: { kind: 'string', optional: true, doc: 'the urgency the due time came from' },
      pending: { kind: 'flag', doc: 'yes: the callback still waits to be made; no: it was given up (attempts or expiry)' },
    },
  },
} as const satisfies Record<string, EventSpec>
