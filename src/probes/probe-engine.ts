import type { CallEngine } from '../call/ports'
import { probeLane, type Probe } from '../config/probes'

/**
 * The engine as a probe call sees it: it enters its probe's lane of the queue (where only the
 * probe's agent takes it, and nothing counts in the queue's figures), and its ending says it was
 * a probe. Every other operation is the engine's own.
 */
export function probeEngine(engine: CallEngine, probe: Probe): CallEngine {
  return {
    get platform() {
      return engine.platform
    },
    enqueue: (req) => engine.enqueue({ ...req, queue: probeLane(req.queue, probe.id), attributes: { ...req.attributes, probe: probe.id } }),
    answer: (...a) => engine.answer(...a),
    noAnswer: (...a) => engine.noAnswer(...a),
    complete: (...a) => engine.complete(...a),
    hangup: (...a) => engine.hangup(...a),
    position: (...a) => engine.position(...a),
    requestCallback: (...a) => engine.requestCallback(...a),
    callbackResult: (...a) => engine.callbackResult(...a),
    record: (tenant, event) => engine.record(tenant, event.type === 'call_ended' ? { ...event, probe: probe.id } : event),
  }
}
