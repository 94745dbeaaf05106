import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The service's Prometheus metrics; every tenant series carries the tenant label. */
export class Metrics {
  readonly registry = new Registry()
  readonly acdOperations: Counter<'operation' | 'outcome'>
  readonly acdOperationSeconds: Histogram<'operation'>
  readonly callsOffered: Counter<'tenant' | 'queue'>
  readonly callsAnswered: Counter<'tenant' | 'queue'>
  readonly callsAbandoned: Counter<'tenant' | 'queue'>
  readonly callsRejected: Counter<'tenant' | 'reason'>
  readonly callbacks: Counter<'tenant' | 'queue' | 'outcome'>
  readonly callbackBreaches: Counter<'tenant' | 'queue'>
  readonly activeCalls: Gauge<'tenant'>
  readonly sipRequests: Counter<'method' | 'status'>
  readonly callsLost: Counter<'tenant'>
  readonly siteState: Gauge<'site' | 'state'>
  readonly probeUp: Gauge<'tenant' | 'probe'>
  readonly probeSetupSeconds: Histogram<'tenant' | 'probe'>
  readonly probeRuns: Counter<'tenant' | 'probe' | 'result'>

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry })
    const r = [this.registry]
    this.acdOperations = new Counter({ name: 'acd_operations_total', help: 'ACD state transitions run', labelNames: ['operation', 'outcome'], registers: r })
    this.acdOperationSeconds = new Histogram({
      name: 'acd_operation_seconds',
      help: 'Latency of ACD state transitions (one Lua script each)',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: r,
    })
    this.callsOffered = new Counter({ name: 'acd_calls_offered_total', help: 'Calls enqueued', labelNames: ['tenant', 'queue'], registers: r })
    this.callsAnswered = new Counter({ name: 'acd_calls_answered_total', help: 'Calls connected to an agent', labelNames: ['tenant', 'queue'], registers: r })
    this.callsAbandoned = new Counter({ name: 'acd_calls_abandoned_total', help: 'Callers who hung up before an agent answered', labelNames: ['tenant', 'queue'], registers: r })
    this.callsRejected = new Counter({ name: 'sip_calls_rejected_total', help: 'Inbound calls refused', labelNames: ['tenant', 'reason'], registers: r })
    this.callbacks = new Counter({
      name: 'acd_callbacks_total',
      help: 'Callbacks: requested, then each attempt (connected, busy, no-answer, failed) and those given up (failed)',
      labelNames: ['tenant', 'queue', 'outcome'],
      registers: r,
    })
    this.callbackBreaches = new Counter({
      name: 'acd_callback_breaches_total',
      help: 'Callbacks not made by their due time (each also a callback_breached event in its tenant history)',
      labelNames: ['tenant', 'queue'],
      registers: r,
    })
    this.activeCalls = new Gauge({ name: 'sip_active_calls', help: 'Calls in progress on this instance', labelNames: ['tenant'], registers: r })
    this.sipRequests = new Counter({ name: 'sip_requests_total', help: 'SIP requests answered', labelNames: ['method', 'status'], registers: r })
    this.callsLost = new Counter({ name: 'acd_calls_lost_total', help: 'Calls ended by the recovery of an instance that stopped (each also in its tenant history)', labelNames: ['tenant'], registers: r })
    this.siteState = new Gauge({ name: 'acd_site_state', help: 'The state of each site as this instance sees it: 1 for its state, 0 for the others', labelNames: ['site', 'state'], registers: r })
    this.probeUp = new Gauge({ name: 'acd_probe_up', help: "A probe's last run (any instance's): 1 success, 0 failure (README: Probes)", labelNames: ['tenant', 'probe'], registers: r })
    this.probeSetupSeconds = new Histogram({
      name: 'acd_probe_setup_seconds',
      help: "Probe runs of this instance that succeeded: the probe's INVITE sent to the probe agent's tone heard by the probe caller",
      labelNames: ['tenant', 'probe'],
      buckets: [0.5, 1, 2, 3, 5, 8, 13, 20, 30],
      registers: r,
    })
    this.probeRuns = new Counter({ name: 'acd_probe_runs_total', help: 'Probe runs of this instance by result: success, refused, timeout, hung-up, error', labelNames: ['tenant', 'probe', 'result'], registers: r })
  }
}
