import { connect, type Socket } from 'node:net'

// A minimal event socket (ESL) client: inbound connection, password auth, `api` commands.

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

interface EslFrame {
  headers: Record<string, string>
  body: string
}

/** One inbound event socket connection to FreeSWITCH; commands are answered in order. */
export class EslClient {
  private buffer = Buffer.alloc(0)
  private readonly waiting: Array<{ resolve: (f: EslFrame) => void; reject: (e: Error) => void }> = []
  private closedError: Error | undefined

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.parse()
    })
    const fail = (err: Error) => {
      this.closedError ??= err
      for (const w of this.waiting.splice(0)) w.reject(err)
    }
    socket.on('error', fail)
    socket.on('close', () => fail(new Error('event socket closed')))
  }

  /** Connects and authenticates; rejects on a wrong password or an ACL refusal. */
  static async connect(host: string, port: number, password: string, timeoutMs = 5000): Promise<EslClient> {
    const socket = connect({ host, port })
    socket.setNoDelay(true)
    const client = new EslClient(socket)
    const timer = setTimeout(() => socket.destroy(new Error(`event socket ${host}:${port}: no answer in ${timeoutMs} ms`)), timeoutMs)
    try {
      const hello = await client.next()
      if (hello.headers['Content-Type'] !== 'auth/request') {
        throw new Error(`event socket ${host}:${port}: expected auth/request, got ${hello.headers['Content-Type']} ${hello.body}`.trim())
      }
      socket.write(`auth ${password}\n\n`)
      const reply = await client.next()
      if (!(reply.headers['Reply-Text'] ?? '').startsWith('+OK')) {
        throw new Error(`event socket ${host}:${port}: authentication refused (${reply.headers['Reply-Text'] ?? reply.body})`)
      }
      return client
    } catch (err) {
      socket.destroy()
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  get closed(): boolean {
    return this.closedError !== undefined
  }

  /** Runs an API command and resolves its text output. */
  async api(command: string, timeoutMs = 10_000): Promise<string> {
    if (/[\r\n]/.test(command)) throw new Error('an ESL command is one line')
    const frame = this.next(timeoutMs)
    this.socket.write(`api ${command}\n\n`)
    const reply = await frame
    if (reply.headers['Content-Type'] !== 'api/response') {
      throw new Error(`api ${command}: unexpected ${reply.headers['Content-Type']} ${reply.body}`.trim())
    }
    return reply.body
  }

  close(): void {
    this.socket.destroy()
  }

  private next(timeoutMs = 10_000): Promise<EslFrame> {
    if (this.closedError) return Promise.reject(this.closedError)
    return new Promise((resolve, reject) => {
      const entry = {
        resolve: (f: EslFrame) => {
          clearTimeout(timer)
          resolve(f)
        },
        reject: (e: Error) => {
          clearTimeout(timer)
          reject(e)
        },
      }
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry)
        if (i >= 0) this.waiting.splice(i, 1)
        // answers come in order: a lost one would shift every later answer, so give up on the socket
        this.socket.destroy()
        reject(new Error(`event socket: no answer in ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.push(entry)
    })
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf('\n\n')
      if (end < 0) return
      const headers: Record<string, string> = {}
      for (const line of this.buffer.subarray(0, end).toString('utf8').split('\n')) {
        const colon = line.indexOf(':')
        if (colon > 0) headers[line.slice(0, colon).trim()] = safeDecode(line.slice(colon + 1).trim())
      }
      const length = Number(headers['Content-Length'] ?? 0)
      if (this.buffer.length < end + 2 + length) return
      const body = this.buffer.subarray(end + 2, end + 2 + length).toString('utf8')
      this.buffer = this.buffer.subarray(end + 2 + length)
      if (headers['Content-Type'] === 'text/disconnect-notice' || headers['Content-Type'] === 'text/rude-rejection') {
        const err = new Error(`event socket: ${headers['Content-Type']} ${body}`.trim())
        this.closedError ??= err
        for (const w of this.waiting.splice(0)) w.reject(err)
        continue
      }
      const w = this.waiting.shift()
      if (w) w.resolve({ headers, body })
    }
  }
}
