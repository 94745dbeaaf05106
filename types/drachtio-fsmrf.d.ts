// Local declaration for drachtio-fsmrf 4.x (the parts this product uses).
declare module 'drachtio-fsmrf' {
  import type { EventEmitter } from 'node:events'
  import type Srf from 'drachtio-srf'

  namespace Mrf {
    interface ConnectOptions {
      address: string
      port?: number
      secret?: string
      listenAddress?: string
      listenPort?: number
      advertisedAddress?: string
      advertisedPort?: number
      profile?: string
    }
    interface EndpointOptions {
      remoteSdp?: string
      codecs?: string | string[]
      headers?: Record<string, string>
    }
    interface Endpoint extends EventEmitter {
      readonly uuid: string
      readonly connected: boolean
      local: { sdp: string; mediaIp?: string; mediaPort?: string }
      remote: { sdp: string; mediaIp?: string; mediaPort?: string }
      dialog: Srf.Dialog
      play(file: string | string[]): Promise<{ playbackSeconds?: string; playbackMilliseconds?: string }>
      playCollect(opts: {
        file: string
        min?: number
        max?: number
        tries?: number
        timeout?: number
        terminators?: string
        invalidFile?: string
        regexp?: string
        digitTimeout?: number
      }): Promise<{ digits: string; terminatorUsed?: string }>
      execute(app: string, arg?: string): Promise<unknown>
      record(file: string, opts?: { timeLimitSecs?: number; silenceThresh?: number; silenceHits?: number }): Promise<{ recordSeconds?: string; recordMilliseconds?: string }>
      api(command: string, args?: string | string[]): Promise<{ body?: string } | string>
      bridge(other: Endpoint | string): Promise<void>
      unbridge(): Promise<void>
      modify(sdp: string): Promise<string>
      set(name: string | Record<string, string>, value?: string): Promise<void>
      destroy(): Promise<void>
      /** the media server the endpoint is on */
      readonly mediaserver: MediaServer
      on(event: 'destroy', listener: (info?: { reason?: string }) => void): this
      on(event: 'dtmf', listener: (evt: { dtmf: string; duration: string; source: string }) => void): this
    }
    interface MediaServer extends EventEmitter {
      readonly address: string
      /** the drachtio-srf instance the media server was connected with */
      readonly srf: Srf
      connectCaller(req: Srf.SrfRequest, res: Srf.SrfResponse, opts?: EndpointOptions): Promise<{ endpoint: Endpoint; dialog: Srf.Dialog }>
      createEndpoint(opts?: EndpointOptions): Promise<Endpoint>
      api(command: string): Promise<string>
      connected(): boolean
      disconnect(): void
      destroy(): void
      on(event: 'error' | 'end', listener: (err?: Error) => void): this
    }
  }

  class Mrf {
    constructor(srf: Srf, opts?: { debugDir?: string; debugSendonly?: boolean; customEvents?: string[] })
    connect(opts: Mrf.ConnectOptions): Promise<Mrf.MediaServer>
  }
  export = Mrf
}
