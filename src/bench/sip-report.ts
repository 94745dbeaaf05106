import { percentile, type LoadResult } from './sipp-load'

/** What a phase of bench:sip measured, and the state it left behind. */
export interface ProductResult {
  load: LoadResult
  trunkChannels: number
  freeswitchChannels: number | undefined
  agentsNotAvailable: number
  activeCalls: unknown
}

/** bench:sip's stdout: the with-media line, then the last line with the ratio to the bare B2BUA. */
export function printFigures(plain: ProductResult, media: ProductResult | undefined, overload: ProductResult | undefined, bare: { cps: number }): void {
  const fig = (r: LoadResult) => ({
    cps: r.cps.toFixed(1),
    p50: Math.round(percentile(r.setupMs, 50)),
    p99: Math.round(percentile(r.setupMs, 99)),
  })
  if (media) {
    const m = fig(media.load)
    process.stdout.write(
      `bench-sip-media: rate=${media.load.rate} cps=${m.cps} failed=${media.load.failed} p50_ms=${m.p50} p99_ms=${m.p99} ` +
        `trunk_channels=${media.trunkChannels} freeswitch_channels=${media.freeswitchChannels}\n`,
    )
  } else {
    process.stdout.write('bench-sip-media: skipped\n')
  }
  if (overload) {
    const l = overload.load
    process.stdout.write(
      `bench-sip-overload: rate=${l.rate} offered=${l.offered} answered=${l.successful} refused_or_failed=${l.failed} ` +
        `trunk_channels=${overload.trunkChannels} freeswitch_channels=${overload.freeswitchChannels} agents_not_available=${overload.agentsNotAvailable} calls_held=${String(overload.activeCalls)}\n`,
    )
  }
  const p = fig(plain.load)
  const ratio = bare.cps > 0 ? (plain.load.cps / bare.cps).toFixed(2) : 'n/a'
  process.stdout.write(`bench-sip: cps=${p.cps} failed=${plain.load.failed} p50_ms=${p.p50} p99_ms=${p.p99} bare_cps=${bare.cps.toFixed(1)} ratio=${ratio}\n`)
}

/** Whether a phase left anything behind once its last caller was gone. */
export function leftBehind(r: ProductResult): boolean {
  return r.trunkChannels > 0 || (r.freeswitchChannels ?? 0) > 0 || r.agentsNotAvailable > 0 || r.activeCalls !== 0
}
