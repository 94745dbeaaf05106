import type Srf from 'drachtio-srf'
import type Mrf from 'drachtio-fsmrf'
import { bounded, endDialog } from '../sip/dialogs'
import { answerProblem } from './sdp-media'

/** Hold music used when a queue names none: a gentle repeating tone pattern. */
const DEFAULT_HOLD = 'tone_stream://L=-1;%(400,200,523,659);%(400,200,659,784);%(800,1200,784,988)'
export const TONE_OK = 'tone_stream://%(300,100,880);%(300,0,1320)'
export const TONE_FAILED = 'tone_stream://%(250,250,480,620);%(250,250,480,620);%(250,0,480,620)'

/** A caller answered into the media server. */
export interface CallerMedia {
  readonly dialog: Srf.Dialog
  hold(music?: string): void
  play(file: string | string[]): Promise<void>
  /** Plays a prompt while collecting DTMF; resolves with the keys ('' on timeout). */
  collect(file: string, opts: { minDigits: number; maxDigits: number; timeoutMs: number; terminators: string }): Promise<string>
  bridge(agent: AgentMedia): Promise<void>
  /** Records what the caller says into `file` (WAV) until hang-up, '#' or the time limit. */
  record(file: string, maxSeconds: number): Promise<void>
  /** The caller's phone re-INVITEd (hold/unhold): returns the SDP to answer with. */
  reoffer(sdp: string): Promise<string>
  release(): Promise<void>
}

/** The media side of a call leg towards an agent (or callback / transfer target). */
export interface AgentMedia {
  /** SDP to offer in the INVITE towards the agent. */
  readonly offer: string
  /** The agent answered with this SDP. */
  answered(sdp: string): Promise<void>
  /** The agent's phone re-INVITEd (hold/unhold): returns the SDP to answer with. */
  reoffer(sdp: string): Promise<string>
  /** Plays a tone or prompt to this leg (e.g. ringback while a callback's customer is called). */
  play(file: string): void
  release(): Promise<void>
}

/** What the SIP front end needs from media: answer callers into hold music and bridge them. */
export interface MediaGateway {
  readonly kind: 'freeswitch'
  answerCaller(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<CallerMedia>
  agentLeg(): Promise<AgentMedia>
  /** An answered outbound leg (a callback's customer) becomes the call's caller side. */
  asCaller(leg: AgentMedia, dialog: Srf.Dialog): CallerMedia
  /** Channels in use on the media servers (for health and tests). */
  channelCount(): Promise<number>
}

/** The far end's SDP cannot be used (SRTP where plain RTP was offered, no common codec, ...). */
class MediaRefused extends Error {
  readonly status = 488
}

/**
 * Ends an endpoint's channel: the hangup through its event socket, confirmed by FreeSWITCH's BYE.
 * When it is not confirmed in time, or was not even sent (the endpoint already thought itself
 * gone, as a channel parked after its bridge ended can be), the channel is killed by uuid on the
 * media server's own event socket.
 */
async function hangUpEndpoint(ep: Mrf.Endpoint): Promise<void> {
  const sent = ep.connected
  let timer: NodeJS.Timeout | undefined
  const confirmed = await Promise.race([
    ep.destroy().then(() => true, () => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2000))),
  ])
  clearTimeout(timer)
  if (sent && confirmed) return
  if (ep.mediaserver?.connected()) await bounded(ep.mediaserver.api(`uuid_kill ${ep.uuid}`), 2000)
}

/** How long the media server has to take a far end's answer. */
const ANSWER_MS = 10_000

/** How long a caller who made no offer (late offer) has to send its answer in the ACK. */
const LATE_ANSWER_MS = 10_000

class FsCaller implements CallerMedia {
  private released = false
  /** Rejects when the caller's channel is released: a playback or collection never outlives it. */
  private readonly gone: Promise<never>
  private leave!: (err: Error) => void
  constructor(
    private readonly ep: Mrf.Endpoint,
    readonly dialog: Srf.Dialog,
    private readonly held: Set<string>,
  ) {
    held.add(ep.uuid)
    this.gone = new Promise<never>((_, reject) => (this.leave = reject))
    this.gone.catch(() => undefined)
  }
  private whileHere<T>(op: Promise<T>): Promise<T> {
    return Promise.race([op, this.gone])
  }
  hold(music = DEFAULT_HOLD): void {
    // a file loops until the next playback or bridge breaks it; a stream plays as it is defined
    const playing = music.includes('://') ? this.ep.play(music) : this.ep.execute('endless_playback', music)
    playing.catch(() => undefined)
  }
  async play(file: string | string[]): Promise<void> {
    await this.breakPlayback()
    await this.whileHere(this.ep.play(file))
  }
  async collect(file: string, opts: { minDigits: number; maxDigits: number; timeoutMs: number; terminators: string }): Promise<string> {
    await this.breakPlayback()
    const r = await this.whileHere(this.ep.playCollect({
      file,
      min: opts.minDigits,
      max: opts.maxDigits,
      tries: 1,
      timeout: opts.timeoutMs,
      terminators: opts.terminators || '#',
      digitTimeout: 3000,
    }))
    return r.digits ?? ''
  }
  private async breakPlayback(): Promise<void> {
    await this.ep.api('uuid_break', `${this.ep.uuid} all`).catch(() => undefined)
  }
  async bridge(agent: AgentMedia): Promise<void> {
    await this.breakPlayback()
    await this.ep.bridge((agent as FsAgent).endpoint)
  }
  async reoffer(sdp: string): Promise<string> {
    return this.ep.modify(sdp)
  }
  async record(file: string, maxSeconds: number): Promise<void> {
    await this.breakPlayback()
    await this.ep.execute('set', 'playback_terminators=#')
    await this.whileHere(this.ep.record(file, { timeLimitSecs: maxSeconds }))
  }
  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    this.leave(new Error('the caller has gone'))
    await hangUpEndpoint(this.ep)
    this.held.delete(this.ep.uuid)
  }
}

class FsAgent implements AgentMedia {
  private released = false
  constructor(
    readonly endpoint: Mrf.Endpoint,
    private readonly held: Set<string>,
  ) {
    held.add(endpoint.uuid)
  }
  get offer(): string {
    return this.endpoint.local.sdp
  }
  async answered(sdp: string): Promise<void> {
    const problem = answerProblem(sdp)
    if (problem) throw new MediaRefused(problem)
    // a media server that never takes the answer must not hold the leg (and its channel) for ever
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new MediaRefused(`the media server did not take the answer in ${ANSWER_MS} ms`)), ANSWER_MS)))
    try {
      await Promise.race([this.endpoint.modify(sdp), late])
    } finally {
      clearTimeout(timer)
    }
  }
  async reoffer(sdp: string): Promise<string> {
    return this.endpoint.modify(sdp)
  }
  play(file: string): void {
    this.endpoint.play(file).catch(() => undefined)
  }
  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    await hangUpEndpoint(this.endpoint)
    this.held.delete(this.endpoint.uuid)
  }
}

/** Media on FreeSWITCH servers through drachtio-fsmrf; calls are spread over the servers. */
export class FreeswitchGateway implements MediaGateway {
  readonly kind = 'freeswitch'
  /** Endpoints (FreeSWITCH channel uuids) a call of this instance holds. */
  readonly held = new Set<string>()
  private next = 0
  constructor(private readonly servers: () => Mrf.MediaServer[]) {}

  private pick(): Mrf.MediaServer {
    const live = this.servers().filter((s) => s.connected())
    if (live.length === 0) throw new Error('no media server connected')
    return live[this.next++ % live.length]!
  }

  async answerCaller(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<CallerMedia> {
    if (!req.body || !req.body.trim()) return this.answerLateOffer(req, res)
    // the endpoint first, then the answer to the caller: an answer that fails (the caller gave up,
    // drachtio refused) gives the endpoint back, else its FreeSWITCH channel would stay
    const ms = this.pick()
    const endpoint = await ms.createEndpoint({ remoteSdp: req.body })
    try {
      const dialog = await ms.srf.createUAS(req, res, { localSdp: endpoint.local.sdp })
      return new FsCaller(endpoint, dialog, this.held)
    } catch (err) {
      await endpoint.destroy().catch(() => undefined)
      throw err
    }
  }

  /**
   * An INVITE without SDP (late offer, common from carriers and PBXs): the media server's offer goes
   * in the 200, the caller's answer comes in the ACK and is applied to the endpoint.
   */
  private async answerLateOffer(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<CallerMedia> {
    const ms = this.pick()
    const endpoint = await ms.createEndpoint()
    try {
      const dialog = await ms.srf.createUAS(req, res, { localSdp: endpoint.local.sdp })
      const ack = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new MediaRefused('no ACK with an SDP answer to the late offer')), LATE_ANSWER_MS)
        dialog.once('ack', (ackReq: { body?: string }) => {
          clearTimeout(timer)
          resolve(ackReq.body ?? '')
        })
        dialog.once('destroy', () => {
          clearTimeout(timer)
          reject(new MediaRefused('the caller hung up before answering the late offer'))
        })
      }).catch((err: unknown) => {
        endDialog(dialog)
        throw err
      })
      const problem = answerProblem(ack)
      if (problem) {
        endDialog(dialog)
        throw new MediaRefused(`late offer: ${problem}`)
      }
      await endpoint.modify(ack)
      return new FsCaller(endpoint, dialog, this.held)
    } catch (err) {
      await endpoint.destroy().catch(() => undefined)
      throw err
    }
  }

  async agentLeg(): Promise<AgentMedia> {
    return new FsAgent(await this.pick().createEndpoint(), this.held)
  }

  asCaller(leg: AgentMedia, dialog: Srf.Dialog): CallerMedia {
    return new FsCaller((leg as FsAgent).endpoint, dialog, this.held)
  }

  async channelCount(): Promise<number> {
    let total = 0
    for (const s of this.servers().filter((x) => x.connected())) {
      const body = await s.api('show channels count')
      const m = /(\d+)\s+total/.exec(body)
      total += m ? Number(m[1]) : 0
    }
    return total
  }
}
