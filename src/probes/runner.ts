// One run of a probe: a real SIP call from the probes' drachtio-server into the platform's front
// door (the DDI, the probe's claim), the IVR keys as RFC 4733 events, the queue, and the probe's
// agent answering on the probe agents' phone; success when the caller hears the agent's tone
// within the time-out. Whatever the ending, the call, its RTP endpoint, the probe agent's session
// and registration are given back.
import type Srf from 'drachtio-srf'
import type { AcdEngine } from '../acd/engine'
import { AcdError } from '../acd/types'
import type { Registrar } from '../agents/registrar'
import type { Probe } from '../config/probes'
import { RtpEndpoint } from '../media/rtp-endpoint'
import type { Logger } from '../telemetry/logger'
import { endDialog, inviteCanceller } from '../sip/dialogs'
import { AGENT_TONE_HZ, CALLER_TONE_HZ } from './agent-phone'
import { PROBE_HEADER, probeClaim } from './probe-door'
import { probeSdp, remoteAudio } from './sdp'

export type ProbeFailure = 'refused' | 'timeout' | 'hung-up' | 'error'
export type ProbeResult = { ok: true; setupMs: number } | { ok: false; reason: ProbeFailure; detail: string }

export interface ProbeRunDeps {
  /** the probes' own drachtio-server */
  srf: Srf
  engine: AcdEngine
  registrar: Registrar
  /** the platform's SIP front door, host:port */
  target: string
  /** the probes' drachtio-server SIP address, host:port: the probe agents' contact */
  contact: string
  rtpAddress: string
  log: Logger
}

/** The agent's tone must hold this long after its onset (60 % of 100 ms frames) to count as bridged. */
const CONFIRM_MS = 400
const FIRST_KEY_MS = 1000
const NEXT_KEY_MS = 700

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runProbe(deps: ProbeRunDeps, probe: Probe, tick: number, nonce: string): Promise<ProbeResult> {
  const { engine, registrar, srf } = deps
  const log = deps.log.child({ tenant: probe.tenant, probe: probe.id, tick })
  const tenant = engine.platform.tenants.get(probe.tenant)!
  const agent = engine.platform.agents.get(probe.agent)!
  const deadline = Date.now() + probe.timeoutSeconds * 1000
  const rtp = await RtpEndpoint.open({ host: deps.rtpAddress, port: 0, toneHz: CALLER_TONE_HZ })
  const invite = inviteCanceller()
  let dialog: Srf.Dialog | undefined
  let given = false
  try {
    await registrar.register(tenant, agent, `sip:${agent.id}@${deps.contact}`, deps.rtpAddress, probe.timeoutSeconds + 60)
    await loginFresh(engine, agent.id)
    const sent = Date.now()
    const uac = srf.createUAC(
      `sip:${probe.ddi}@${deps.target}`,
      { localSdp: probeSdp(deps.rtpAddress, rtp.port), headers: { [PROBE_HEADER]: probeClaim(probe, tick, nonce), From: `<sip:probe-${probe.id}@${deps.contact}>` } },
      invite.progress,
    )
    uac.then((d) => given && endDialog(d), () => undefined)
    const timedOut = sleep(Math.max(0, deadline - Date.now())).then(() => 'timeout' as const)
    const answered = await Promise.race([uac.then((d) => ({ d }), (err: { status?: number; res?: { get?(h: string): string } }) => ({ err })), timedOut])
    if (answered === 'timeout') return { ok: false, reason: 'timeout', detail: 'the call was not answered' }
    if ('err' in answered) {
      const status = answered.err.status
      if (!status) throw answered.err
      return { ok: false, reason: 'refused', detail: `${status}${answered.err.res?.get?.('X-Reason') ? ` ${answered.err.res.get!('X-Reason')}` : ''}` }
    }
    const d = (dialog = answered.d)
    let gone = false
    d.on('destroy', () => (gone = true))
    const far = remoteAudio(d.remote.sdp)
    if (far) rtp.sendTo(far.host, far.port)
    for (const [i, key] of [...probe.digits].entries()) {
      await sleep(i === 0 ? FIRST_KEY_MS : NEXT_KEY_MS)
      if (gone) break
      await rtp.sendDigit(key)
    }
    let from = sent
    while (Date.now() < deadline && !gone) {
      const onset = rtp.toneOnset(AGENT_TONE_HZ, from)
      if (onset !== undefined && Date.now() - onset >= CONFIRM_MS) {
        if (rtp.heard(AGENT_TONE_HZ, onset).presence >= 0.6) return { ok: true, setupMs: onset - sent }
        from = onset + 20
        continue
      }
      await sleep(50)
    }
    if (gone) return { ok: false, reason: 'hung-up', detail: 'the platform ended the call before the probe agent was heard' }
    return { ok: false, reason: 'timeout', detail: "answered, but the probe agent's tone was not heard" }
  } catch (err) {
    log.error({ err }, 'probe run failed')
    return { ok: false, reason: 'error', detail: (err as Error).message ?? String(err) }
  } finally {
    given = true
    invite.cancel()
    endDialog(dialog)
    rtp.close()
    await releaseAgent(engine, registrar, probe, log)
  }
}

async function loginFresh(engine: AcdEngine, agentId: string): Promise<void> {
  try {
    await engine.login(agentId)
  } catch (err) {
    if (!(err instanceof AcdError && err.code === 'ALREADY_LOGGED_IN')) throw err
    // left logged in by a run that did not end (its instance stopped): start over
    await engine.logout(agentId)
    await engine.login(agentId)
  }
}

/** The probe agent logged out once its call is over (it may still be on it for a moment), its registration removed. */
async function releaseAgent(engine: AcdEngine, registrar: Registrar, probe: Probe, log: Logger): Promise<void> {
  const tenant = engine.platform.tenants.get(probe.tenant)
  const agent = engine.platform.agents.get(probe.agent)
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await engine.logout(probe.agent)
      break
    } catch (err) {
      if (err instanceof AcdError && err.code === 'NOT_LOGGED_IN') break
      if (attempt === 99) log.error({ err }, 'the probe agent could not be logged out')
      await sleep(100)
    }
  }
  if (tenant && agent) await registrar.register(tenant, agent, '', '', 0).catch((err: unknown) => log.error({ err }, "the probe agent's registration could not be removed"))
}
