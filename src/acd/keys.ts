/**
 * Redis key layout of the ACD. Every key starts with the pool prefix `acd:{<pool>}` — the hash
 * tag is the agent pool (the tenants that may share agents), so that each Lua script touches
 * one Redis Cluster slot. Every key holding tenant data carries the tenant after `:t:`.
 * Agent keys carry the pool only: an agent is shared by the pool's tenants, and its hash
 * records which tenants its login session serves. See docs in README ("Redis key layout").
 *
 *   acd:{P}:settings                   hash   pool settings (max_no_answer)
 *   acd:{P}:seq                        string call order counter (FIFO within a priority)
 *   acd:{P}:timers                     zset   due time -> "res|T/C" "esc|T/C" "ref|T/C" "max|T/C" "cbr|T/C" "wrap|A"
 *   acd:{P}:agents                     set    logged-in agents
 *   acd:{P}:agent:A                    hash   state, tenants, call, idle_since, calls, talk_ms, rna, ...
 *   acd:{P}:agent:A:quals              hash   "T/Q" -> "step|pos|level|strategy|nsteps" for this session
 *   acd:{P}:agent:A:referred           zset   calls waiting for this referent agent
 *   acd:{P}:t:T:q:Q                    hash   queue definition (strategy, ring_ms, wrap_ms, esc, ...)
 *   acd:{P}:t:T:q:Q:w:S                zset   waiting calls at escalation step S, by priority then order
 *   acd:{P}:t:T:q:Q:waiting            zset   all waiting calls (position)
 *   acd:{P}:t:T:q:Q:since              zset   waiting calls by enqueue time (longest wait)
 *   acd:{P}:t:T:q:Q:a:S                zset   available agents whose first qualifying step is S, by strategy
 *   acd:{P}:t:T:q:Q:staffed            set    logged-in agents that may take this queue
 *   acd:{P}:t:T:q:Q:stats              hash   counters (offered, answered, abandoned, ...)
 *   acd:{P}:t:T:q:Q:callbacks          zset   callbacks not made yet (caller gone), by request time
 *   acd:{P}:t:T:call:C                 hash   call state
 *   acd:{P}:t:T:events                 stream events of tenant T (enqueued, reserved, connected, ...)
 *   acd:{P}:inst:I:offers              list   offers/notices for instance I (owner of the calls' signalling)
 */
export const poolPrefix = (pool: string): string => `acd:{${pool}}`

export const keys = {
  settings: (pool: string) => `${poolPrefix(pool)}:settings`,
  timers: (pool: string) => `${poolPrefix(pool)}:timers`,
  agents: (pool: string) => `${poolPrefix(pool)}:agents`,
  agent: (pool: string, agent: string) => `${poolPrefix(pool)}:agent:${agent}`,
  agentQuals: (pool: string, agent: string) => `${poolPrefix(pool)}:agent:${agent}:quals`,
  agentReferred: (pool: string, agent: string) => `${poolPrefix(pool)}:agent:${agent}:referred`,
  queue: (pool: string, tenant: string, queue: string) => `${poolPrefix(pool)}:t:${tenant}:q:${queue}`,
  queueStep: (pool: string, tenant: string, queue: string, step: number) => `${keys.queue(pool, tenant, queue)}:w:${step}`,
  queueWaiting: (pool: string, tenant: string, queue: string) => `${keys.queue(pool, tenant, queue)}:waiting`,
  queueSince: (pool: string, tenant: string, queue: string) => `${keys.queue(pool, tenant, queue)}:since`,
  queueAvailable: (pool: string, tenant: string, queue: string, step: number) => `${keys.queue(pool, tenant, queue)}:a:${step}`,
  queueStaffed: (pool: string, tenant: string, queue: string) => `${keys.queue(pool, tenant, queue)}:staffed`,
  queueStats: (pool: string, tenant: string, queue: string) => `${keys.queue(pool, tenant, queue)}:stats`,
  queueCallbacks: (pool: string, tenant: string, queue: string) => `${keys.queue(pool, tenant, queue)}:callbacks`,
  call: (pool: string, tenant: string, call: string) => `${poolPrefix(pool)}:t:${tenant}:call:${call}`,
  events: (pool: string, tenant: string) => `${poolPrefix(pool)}:t:${tenant}:events`,
  offers: (pool: string, instance: string) => `${poolPrefix(pool)}:inst:${instance}:offers`,
}

/** Ids that appear inside keys and script arguments must not contain separators. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$/
