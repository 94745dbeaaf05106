// bench:sip's baseline: a bare drachtio-srf B2BUA relaying SIPp callers to a SIPp phone.
import Srf from 'drachtio-srf'
import type { DrachtioHandle } from '../stack/drachtio'
import type { SippUas } from '../stack/sipp'
import { sleep } from '../stack/child'
import { describe, reportFailures, type LoadResult } from './sipp-load'


export interface BareDeps {
  startAgentPhone(): Promise<SippUas>
  step(rate: number, target: string): Promise<LoadResult>
  progress(line: string): void
  cleanups: Array<() => Promise<unknown> | unknown>
  rates: number[]
  /** a step sustaining under this share of its rate is past the ceiling */
  saturated: number
}

/**
 * The ceiling of a bare drachtio-srf B2BUA on the same drachtio-server: steps of rising rate until
 * the first failed call or the first step that no longer keeps up; the best sustained rate.
 */
export async function bareCeiling(drachtio: DrachtioHandle, deps: BareDeps): Promise<{ cps: number; rate: number }> {
  const { startAgentPhone, progress, cleanups } = deps
  const phone = await startAgentPhone()
  const srf = new Srf()
  const agentUri = `sip:agent@${phone.address}`
  let b2buaErrors = 0
  srf.on('error', (err: Error) => progress(`bare B2BUA: drachtio connection error: ${err.message}`))
  srf.invite((req, res) => {
    srf
      .createB2BUA(req, res, agentUri, { localSdpB: req.body })
      .then(({ uas, uac }) => {
        uas.on('destroy', () => uac.destroy())
        uac.on('destroy', () => uas.destroy())
      })
      .catch(() => b2buaErrors++)
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bare B2BUA: no connection to drachtio-server in 10 s')), 10_000)
    srf.once('connect', (err: Error | undefined) => {
      clearTimeout(timer)
      if (err) reject(err)
      else resolve()
    })
    srf.connect({ host: drachtio.host, port: drachtio.adminPort, secret: drachtio.secret })
  })
  const disconnect = () => srf.disconnect()
  cleanups.push(disconnect)
  progress(`bare B2BUA connected; agent phone ${phone.address}`)

  let best = { cps: 0, rate: 0 }
  const target = `${drachtio.host}:${drachtio.sipPort}`
  for (const rate of deps.rates) {
    const r = await deps.step(rate, target)
    progress(describe(r) + (b2buaErrors ? ` b2bua_errors=${b2buaErrors}` : ''))
    reportFailures(r, progress)
    if (r.failed > 0 || r.code !== 0) break
    if (r.cps > best.cps) best = { cps: r.cps, rate }
    // no failure yet, but the calls no longer keep up with the offered rate: past the ceiling
    if (r.cps < deps.saturated * rate) {
      progress(`bare@${rate}: ${r.cps.toFixed(1)} cps sustained, under ${Math.round(deps.saturated * 100)}% of the offered rate: saturated`)
      break
    }
    await sleep(1000)
  }
  srf.disconnect()
  cleanups.splice(cleanups.indexOf(disconnect), 1)
  await phone.stop()
  // drachtio routes INVITEs to every connected app: let it notice this one has gone
  await sleep(1000)
  return best
}
