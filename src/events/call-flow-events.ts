import { ATTEMPT, ATTRS, CALL, CALLER, ENDED_BY, QUEUE } from './fields'
import type { EventSpec } from './contract'

/** How a call ended, in `call_ended`. */
export const CALL_OUTCOMES = {
  answered: 'an agent talked to the caller (or to the customer of a callback)',
  abandoned: 'the caller hung up before an agent answered (in the queue, while agents rang, or in the IVR)',
  refused: 'the platform turned the call away (queue full or closed, no media for the IVR, an IVR hang-up choice)',
  voicemail: 'the caller was sent to voicemail',
  'overflowed-out': "the queue's overflow ended the call (hangup target)",
  'transferred-out': 'the agent transferred the call to a number outside the platform',
  'callback-failed': 'the callback was given up (attempts exhausted or expired)',
  failed: 'a platform error ended the call',
  'instance-lost': 'the instance that carried the call went away before the call ended',
  forwarded: 'the call was forwarded to a number outside the platform (an overflow to a backup centre, a closed DDI forwarding) and answered there',
  'on-call': 'out of hours, the technician on call answered',
} as const

export type CallOutcome = keyof typeof CALL_OUTCOMES

/**
 * Events the call flow writes (src/sip, through AcdEngine.record): what happens to a call
 * outside the ACD's queues.
 */
export const CALL_FLOW_EVENTS = {
  voicemail: {
    by: 'call-flow',
    doc: 'The caller was sent to voicemail; the message is recorded into `file`.',
    fields: {
      call: CALL,
      queue: { ...QUEUE, optional: true, doc: 'the queue, absent when the IVR sent the caller there' },
      reason: { kind: 'string', doc: 'ivr, closed, queue-full or overflow-<reason>' },
      file: { kind: 'string', doc: 'where the message is recorded' },
      caller: CALLER,
      attrs: ATTRS,
      due: { kind: 'time', optional: true, doc: "when the message is due to be answered: the urgency's response time in working hours of the queue's calendar (the tenant's)" },
      urgency: { kind: 'string', optional: true, doc: "the urgency the due time comes from (the call's, else the tenant's default)" },
    },
  },
  closed: {
    by: 'call-flow',
    doc: 'A closed queue turned the caller away.',
    fields: {
      call: CALL,
      queue: QUEUE,
      action: { kind: 'string', values: ['voicemail', 'message', 'hangup', 'overflow'], doc: "what the queue's closed hours do (overflow: its `closed` overflow rule)" },
      target: { kind: 'string', optional: true, doc: 'the overflow target, for action overflow' },
      caller: CALLER,
      reason: { kind: 'string', optional: true, doc: 'why: closed (the queue flag), after-hours, holiday:<name>, closure:<id>' },
      opens_at: { kind: 'time', optional: true, doc: 'when the DDI and queue next open (absent beyond a year)' },
    },
  },
  out_of_hours: {
    by: 'call-flow',
    doc: "The DDI called was closed (its calendar): what its out-of-hours handling did with the call.",
    fields: {
      call: CALL,
      ddi: { kind: 'string', doc: 'the DDI called (E.164)' },
      reason: { kind: 'string', doc: 'after-hours, holiday:<name> or closure:<id>' },
      opens_at: { kind: 'time', optional: true, doc: 'when the DDI opens next (absent when not within a year)' },
      handling: { kind: 'string', values: ['message', 'voicemail', 'hangup', 'forward', 'on-call'], doc: "the DDI's out-of-hours handling" },
      caller: CALLER,
    },
  },
  forwarded: {
    by: 'call-flow',
    doc: 'One attempt to forward the call to an outside number on the tenant\'s outbound trunk: an overflow target, a closed DDI\'s forward, or a technician of the on-call rota.',
    fields: {
      call: CALL,
      number: { kind: 'string', doc: 'the number called (E.164)' },
      reason: { kind: 'string', doc: 'on-call, out-of-hours, or overflow-<reason>' },
      attempt: ATTEMPT,
      outcome: { kind: 'string', values: ['answered', 'busy', 'no-answer', 'failed', 'no-channel', 'cancelled'], doc: 'what the attempt gave' },
      rota: { kind: 'string', optional: true, doc: 'the on-call rota' },
      technician: { kind: 'string', optional: true, doc: 'the technician called (on-call)' },
      response_ms: { kind: 'ms', optional: true, doc: "answered: the response time, from the call's arrival to the answer" },
    },
  },
  ivr_abandoned: {
    by: 'call-flow',
    doc: 'The caller hung up in the menus, before reaching a queue.',
    fields: {
      call: CALL,
      ivr: { kind: 'string', doc: 'the menu the caller was in' },
      keys: { kind: 'list', doc: 'the keys pressed so far, one item a prompt (- for none)' },
    },
  },
  call_ended: {
    by: 'call-flow',
    doc: "The call is over: written once per call, the last entry of the call's history.",
    fields: {
      call: CALL,
      queue: { ...QUEUE, optional: true, doc: 'the last queue of the call, absent when it never reached one' },
      outcome: { kind: 'string', values: Object.keys(CALL_OUTCOMES) as CallOutcome[], doc: 'how the call ended (see CALL_OUTCOMES)' },
      reason: { kind: 'string', doc: 'a short code: caller-hangup, agent-hangup, queue-full, queue-closed, overflow-max-wait, ...' },
      ended_by: ENDED_BY,
      agent: { kind: 'string', optional: true, doc: 'the last agent connected to the call' },
      wait_ms: { kind: 'ms', optional: true, doc: 'the wait in queues before the first answer (to the end when unanswered)' },
      talk_ms: { kind: 'ms', optional: true, doc: 'the time connected to agents, when answered' },
      duration_ms: { kind: 'ms', optional: true, doc: 'from the arrival on the platform to the end (absent when the writer cannot know it: instance-lost)' },
      probe: { kind: 'string', optional: true, doc: "set on the platform's synthetic test calls: the probe's id (never a customer's call)" },
    },
  },
} as const satisfies Record<string, EventSpec>
