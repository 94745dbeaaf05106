import { Counter, Gauge, type Registry } from 'prom-client'

/** The administration API's metrics, on the service's registry; every tenant series carries the tenant. */
export interface AdminMetrics {
  /** audited actions and refusals: tenant (`_platform` for platform-wide ones), action, outcome ok/refused */
  actions: Counter<'tenant' | 'action' | 'outcome'>
  /** the configuration version in force on this instance */
  configVersion: Gauge
}

export function adminMetrics(registry: Registry): AdminMetrics {
  return {
    actions: new Counter({ name: 'acd_admin_actions_total', help: 'Administration API actions and refused attempts, as written to the audit log', labelNames: ['tenant', 'action', 'outcome'], registers: [registry] }),
    configVersion: new Gauge({ name: 'acd_config_version', help: 'Version of the platform configuration in force on this instance', registers: [registry] }),
  }
}
