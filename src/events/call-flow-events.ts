import { ATTRS, CALL, CALLER, ENDED_BY, QUEUE } from './fields'
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
    },
  },
  closed: {
    by: 'call-flow',
    doc: 'A closed queue turned the caller away.',
    fields: {
      call: CALL,
      queue: QUEUE,
      action: { kind: 'string', values: ['voicemail', 'message', 'hangup'], doc: "what the queue's closed hours do" },
      caller: CALLER,
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
