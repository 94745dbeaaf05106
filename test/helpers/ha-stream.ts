import type { AcdEngine } from '../../src/acd/engine'
import { AcdError, type CallbackOutcome, type Notice } from '../../src/acd/types'

export type OpKind =
  | 'enqueue'
  | 'answer'
  | 'no_answer'
  | 'complete'
  | 'abandon'
  | 'callback_request'
  | 'callback_result'
  | 'login'
  | 'logout'
  | 'pause'
  | 'unpause'
  | 'tick'
  | 'hangup'

/** One operation sent to the engine, as the caller saw it. */
export interface OpRecord {
  kind: OpKind
  tenant?: string
  call?: string
  agent?: string
  start: number
  end: number
  /** ok: acknowledged; refused: the script said no (AcdError); error: anything else */
  outcome: 'ok' | 'refused' | 'error'
  code?: string
  /** abandon: whether the call was found */
  found?: boolean
}

export interface StreamOptions {
  /** The instance owning the calls (the SIP side): enqueue, answer, no-answer, complete, abandon, callbacks. */
  owner: AcdEngine
  /** Another instance: agents' logins, pauses and logouts, and the timers (tick). */
  desk: AcdEngine
  tenants: { id: string; agents: string[] }[]
  queue: string
  seed: number
  maxLivePerTenant?: number
}

interface LiveCall {
  tenant: string
  id: string
  connected: boolean
  callback: boolean
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A stream of ACD operations for several tenants, from two instances at once, as the service
 * makes them: the owner reacts to the offers it is told (in its scripts' replies, or through its
 * offer list: whoever feeds `owner.emit('notice')`), answers or refuses them, ends calls, takes
 * callbacks; the desk logs agents in and out, pauses them and runs the timers. Every operation is
 * recorded (`ops`) for the ledger checks (ha-ledger.ts). The stream's own view of the calls is
 * only a guide: an operation the ACD refuses (its view differs) is recorded and the stream goes on.
 */
export class OpStream {
  readonly ops: OpRecord[] = []
  /** every call an enqueue was sent for */
  readonly calls: { tenant: string; id: string }[] = []
  private readonly offers = new Map<string, { tenant: string; call: string; agents: string[] }>()
  private readonly live = new Map<string, LiveCall>()
  private running = false
  private loops: Promise<void>[] = []
  private seed: number
  private seq = 0

  constructor(private readonly o: StreamOptions) {
    this.seed = o.seed
    o.owner.on('notice', (n: Notice) => this.notice(n))
  }

  private rand(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648
    return this.seed / 2147483648
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!
  }

  private notice(n: Notice): void {
    const ref = `${n.tenant}/${n.call}`
    if (n.type === 'offer') this.offers.set(ref, { tenant: n.tenant, call: n.call, agents: n.agents })
    else if (n.type === 'withdraw') {
      const left = (this.offers.get(ref)?.agents ?? []).filter((a) => a !== n.agent)
      if (left.length) this.offers.get(ref)!.agents = left
      else this.offers.delete(ref)
    } else {
      this.offers.delete(ref)
      this.live.delete(ref)
    }
  }

  /** Sends one operation and records it; resolves to its result, or undefined when it failed. */
  async op<T>(rec: Pick<OpRecord, 'kind' | 'tenant' | 'call' | 'agent'>, f: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
    const start = Date.now()
    try {
      const value = await f()
      const found = rec.kind === 'abandon' ? value !== undefined : undefined
      this.ops.push({ ...rec, start, end: Date.now(), outcome: 'ok', ...(found === undefined ? {} : { found }) })
      return { ok: true, value }
    } catch (err) {
      const refused = err instanceof AcdError
      const code = refused ? err.code : (err as Error).message
      this.ops.push({ ...rec, start, end: Date.now(), outcome: refused ? 'refused' : 'error', code })
      return { ok: false, code }
    }
  }

  start(): void {
    this.running = true
    this.loops = [this.callsLoop(), this.deskLoop()]
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }

  private async callsLoop(): Promise<void> {
    const { owner, queue } = this.o
    const max = this.o.maxLivePerTenant ?? 6
    while (this.running) {
      const r = this.rand()
      const calls = [...this.live.values()]
      const connected = calls.filter((c) => c.connected)
      const waiting = calls.filter((c) => !c.connected && !this.offers.has(`${c.tenant}/${c.id}`))
      if (this.offers.size && r < 0.5) {
        const offer = this.pick([...this.offers.values()])
        const ref = `${offer.tenant}/${offer.call}`
        const agent = this.pick(offer.agents)
        this.offers.delete(ref)
        const { tenant, call } = offer
        if (this.rand() < 0.8) {
          const res = await this.op({ kind: 'answer', tenant, call, agent }, () => owner.answer(tenant, call, agent))
          const l = this.live.get(ref)
          if (res.ok && l) {
            l.connected = true
            if (l.callback) {
              const outcome = this.pick<CallbackOutcome>(['connected', 'connected', 'busy', 'no-answer', 'failed'])
              const cr = await this.op({ kind: 'callback_result', tenant, call }, () => owner.callbackResult(tenant, queue, call, outcome))
              if (cr.ok && cr.value.state !== 'connected') l.connected = false
              if (cr.ok && cr.value.state === 'failed') this.live.delete(ref)
            }
          }
        } else {
          await this.op({ kind: 'no_answer', tenant, call, agent }, () => owner.noAnswer(tenant, call, agent, this.pick(['busy', 'declined'] as const)))
        }
      } else if (connected.length && r < 0.75) {
        const c = this.pick(connected)
        const res = await this.op({ kind: 'complete', tenant: c.tenant, call: c.id }, () => owner.complete(c.tenant, c.id, this.pick(['caller', 'agent'] as const)))
        if (res.ok) this.live.delete(`${c.tenant}/${c.id}`)
        else c.connected = false
      } else if (waiting.some((c) => !c.callback) && r < 0.82) {
        const c = this.pick(waiting.filter((w) => !w.callback))
        const res = await this.op({ kind: 'abandon', tenant: c.tenant, call: c.id }, () => owner.abandon(c.tenant, c.id))
        if (res.ok) this.live.delete(`${c.tenant}/${c.id}`)
        else if (res.code === 'CONNECTED') c.connected = true
      } else if (waiting.some((c) => !c.callback) && r < 0.86) {
        const c = this.pick(waiting.filter((w) => !w.callback))
        const res = await this.op({ kind: 'callback_request', tenant: c.tenant, call: c.id }, () => owner.requestCallback(c.tenant, c.id, '+33612345678'))
        if (res.ok) c.callback = true
      } else {
        const tenant = this.pick(this.o.tenants).id
        if (calls.filter((c) => c.tenant === tenant).length < max) {
          const id = `c${++this.seq}`
          this.calls.push({ tenant, id })
          const res = await this.op({ kind: 'enqueue', tenant, call: id }, () => owner.enqueue({ tenant, queue, callId: id }))
          if (res.ok) this.live.set(`${tenant}/${id}`, { tenant, id, connected: false, callback: false })
        }
      }
      await sleep(2 + this.rand() * 4)
    }
  }

  private async deskLoop(): Promise<void> {
    const { desk } = this.o
    const agents = this.o.tenants.flatMap((t) => t.agents)
    while (this.running) {
      const r = this.rand()
      const agent = this.pick(agents)
      if (r < 0.35) await this.op({ kind: 'tick' }, () => desk.tick())
      else if (r < 0.6) await this.op({ kind: 'login', agent }, () => desk.login(agent))
      else if (r < 0.66) await this.op({ kind: 'logout', agent }, () => desk.logout(agent))
      else if (r < 0.76) await this.op({ kind: 'pause', agent }, () => desk.pause(agent, 'break'))
      else await this.op({ kind: 'unpause', agent }, () => desk.unpause(agent))
      await sleep(3 + this.rand() * 6)
    }
  }

  /**
   * Ends every call the stream sent (abandoned, or completed when connected), then runs the
   * timers until wrap-ups are over: afterwards no agent may be reserved, on a call or in wrap-up.
   */
  async drain(): Promise<void> {
    for (const { tenant, id } of this.calls) await this.op({ kind: 'hangup', tenant, call: id }, () => this.o.owner.hangup(tenant, id, 'system'))
    const agents = this.o.tenants.flatMap((t) => t.agents)
    for (let i = 0; i < 40; i++) {
      await this.o.desk.tick()
      const states = await Promise.all(agents.map((a) => this.o.desk.agentState(a)))
      if (states.every((s) => s.state !== 'wrap-up')) return
      await sleep(50)
    }
  }
}
