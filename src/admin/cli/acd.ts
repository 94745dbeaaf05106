// The operator CLI over the administration API: `npm run acd -- <resource> <verb> [id] [options]`,
// readable tables or --json; the API's URL and token from ACD_URL and ACD_TOKEN.
import { readFileSync } from 'node:fs'
import { table } from './table'

const CONFIG = ['tenants', 'trunks', 'ddis', 'skills', 'queues', 'ivrs', 'agents']
const USAGE = `usage: npm run acd -- <resource> <verb> [id] [--tenant T] [--json] [options]
  <tenants|trunks|ddis|skills|queues|ivrs|agents> list [--limit N] [--q TEXT] [--FIELD VALUE]
  <...> get ID | delete ID [--if-match ETAG]
  <...> create --data JSON | --file FILE.json      <...> update ID --data JSON [--if-match ETAG]
  agents state|login|logout|unpause|screen-pop AGENT     agents pause AGENT --reason CODE
  queues stats QUEUE | queues calls QUEUE
  calls get CALL | calls move CALL --queue Q | calls priority CALL --priority N | calls hangup CALL
  tokens list | tokens create --role ROLE --name NAME [--agent A] [--ttl-seconds N] | tokens revoke ID
  audit [--format json|jsonl|csv] [--since ISO]     history [--limit N]
  export [--format yaml|json]                       import FILE [--dry-run]
environment: ACD_URL (default http://127.0.0.1:8080), ACD_TOKEN (a bearer token)
without --tenant: platform-wide (tenants, tokens, audit, export, import)`

interface Parsed {
  words: string[]
  opts: Record<string, string | true>
}

export function parseArgs(argv: string[]): Parsed {
  const words: string[] = []
  const opts: Record<string, string | true> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--')) {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) opts[a.slice(2)] = true
      else {
        opts[a.slice(2)] = next
        i++
      }
    } else words.push(a)
  }
  return { words, opts }
}

export interface CliIo {
  out: (s: string) => void
  err: (s: string) => void
  fetch: typeof fetch
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { words, opts } = parseArgs(argv)
  const [resource, verb, id] = words
  if (!resource || opts['help']) {
    io.err(`${USAGE}\n`)
    return resource ? 0 : 2
  }
  const token = env['ACD_TOKEN']
  if (!token) {
    io.err('acd: ACD_TOKEN is not set (a bearer token; see README "Administration API")\n')
    return 2
  }
  const base = (env['ACD_URL'] ?? 'http://127.0.0.1:8080').replace(/\/$/, '')
  const tenant = typeof opts['tenant'] === 'string' ? opts['tenant'] : undefined
  const t = tenant ? `/v1/tenants/${encodeURIComponent(tenant)}` : '/v1'
  const enc = (s: string | undefined) => encodeURIComponent(s ?? '')
  const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined)
  const data = (): unknown => (str('data') ? JSON.parse(str('data')!) : str('file') ? JSON.parse(readFileSync(str('file')!, 'utf8')) : {})
  let method = 'GET'
  let path: string
  let body: string | undefined
  let contentType = 'application/json'
  const headers: Record<string, string> = {}
  if (str('if-match')) headers['if-match'] = str('if-match')!
  const need = (what: string, v: string | undefined): string => {
    if (!v) throw new Error(`${resource} ${verb} needs ${what}`)
    return v
  }
  try {
    if (CONFIG.includes(resource) && ['list', 'get', 'create', 'update', 'delete', undefined].includes(verb)) {
      const coll = resource === 'tenants' ? '/v1/tenants' : `${need('--tenant', tenant) && t}/${resource}`
      if (!verb || verb === 'list') {
        const q = new URLSearchParams()
        for (const [k, v] of Object.entries(opts)) if (typeof v === 'string' && !['tenant', 'json'].includes(k)) q.set(k, v)
        path = `${coll}${q.size ? `?${q}` : ''}`
      } else if (verb === 'create') {
        method = 'POST'
        path = coll
        body = JSON.stringify(data())
      } else {
        const item = resource === 'tenants' ? `/v1/tenants/${enc(need('an id', id))}` : `${coll}/${enc(need('an id', id))}`
        path = item
        if (verb === 'update') {
          method = 'PATCH'
          body = JSON.stringify(data())
          contentType = 'application/merge-patch+json'
        } else if (verb === 'delete') method = 'DELETE'
      }
    } else if (resource === 'agents') {
      path = `${need('--tenant', tenant) && t}/agents/${enc(need('an agent', id))}/${verb}`
      if (verb === 'state' || verb === 'screen-pop') method = 'GET'
      else {
        method = 'POST'
        body = JSON.stringify(verb === 'pause' ? { reason: need('--reason', str('reason')) } : {})
      }
    } else if (resource === 'queues' && (verb === 'stats' || verb === 'calls')) {
      path = `${need('--tenant', tenant) && t}/queues/${enc(need('a queue', id))}/${verb}`
    } else if (resource === 'calls') {
      path = `${need('--tenant', tenant) && t}/calls/${enc(need('a call', id))}${verb === 'get' ? '' : `/${verb}`}`
      if (verb !== 'get') {
        method = 'POST'
        body = JSON.stringify(verb === 'move' ? { queue: need('--queue', str('queue')) } : verb === 'priority' ? { priority: Number(need('--priority', str('priority'))) } : {})
      }
    } else if (resource === 'tokens') {
      path = `${t}/tokens${verb === 'get' || verb === 'revoke' ? `/${enc(need('a token id', id))}` : ''}`
      if (verb === 'create') {
        method = 'POST'
        body = JSON.stringify({ role: need('--role', str('role')), name: need('--name', str('name')), ...(str('agent') ? { agent: str('agent') } : {}), ...(str('ttl-seconds') ? { ttl_seconds: Number(str('ttl-seconds')) } : {}) })
      } else if (verb === 'revoke') method = 'DELETE'
    } else if (resource === 'audit') {
      const q = new URLSearchParams()
      for (const k of ['format', 'since', 'until', 'limit', 'after']) if (str(k)) q.set(k, str(k)!)
      path = `${t}/audit${q.size ? `?${q}` : ''}`
    } else if (resource === 'history') {
      path = `${need('--tenant', tenant) && t}/history${str('limit') ? `?limit=${enc(str('limit'))}` : ''}`
    } else if (resource === 'export') {
      path = `${t}/export${str('format') ? `?format=${enc(str('format'))}` : ''}`
    } else if (resource === 'import') {
      const file = need('a file', verb)
      method = 'POST'
      path = `${t}/import${opts['dry-run'] ? '?dry_run=true' : ''}`
      body = readFileSync(file, 'utf8')
      contentType = file.endsWith('.json') ? 'application/json' : 'application/yaml'
    } else {
      io.err(`acd: unknown command "${words.join(' ')}"\n${USAGE}\n`)
      return 2
    }
  } catch (err) {
    io.err(`acd: ${(err as Error).message}\n`)
    return 2
  }
  let res: Response
  try {
    res = await io.fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}), ...headers }, body })
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    io.err(`acd: cannot reach ${base} (ACD_URL): ${cause?.code ?? cause?.message ?? (err as Error).message}\n`)
    return 1
  }
  const text = await res.text()
  const type = res.headers.get('content-type') ?? ''
  if (!res.ok) {
    if (opts['json']) io.out(`${text}\n`)
    else {
      try {
        const e = (JSON.parse(text) as { error: { code: string; message: string; fields?: Array<{ path: string; reason: string }> } }).error
        io.err(`acd: ${res.status} ${e.code}: ${e.message}\n${(e.fields ?? []).map((f) => `  ${f.path || '/'}: ${f.reason}\n`).join('')}`)
      } catch {
        io.err(`acd: ${res.status} ${text}\n`)
      }
    }
    return 1
  }
  if (res.status === 204) {
    if (!opts['json']) io.out('done\n')
    return 0
  }
  if (!type.includes('json') || opts['json']) {
    io.out(text.endsWith('\n') ? text : `${text}\n`)
    return 0
  }
  const value = JSON.parse(text) as unknown
  const etag = res.headers.get('etag')
  io.out(table(value))
  if (etag && method === 'GET' && !Array.isArray((value as { items?: unknown }).items)) io.out(`etag: ${etag}\n`)
  return 0
}

if (require.main === module) {
  runCli(process.argv.slice(2), process.env, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), fetch }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`acd: ${(err as Error).message}\n`)
      process.exit(1)
    },
  )
}
