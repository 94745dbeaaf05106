// `npm run freeswitch:config -- --out DIR [options]`: writes the platform's FreeSWITCH configuration
// (src/media/freeswitch-config.ts) into DIR, for `freeswitch -nf -nonat -conf DIR ...`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { freeswitchConfig, type FreeswitchSettings } from './freeswitch-config'

const LEVELS = ['debug', 'info', 'notice', 'warning', 'err'] as const

/** Reads the command line into settings; every problem is reported at once. */
export function settingsFromArgs(argv: string[]): { out: string; settings: FreeswitchSettings } {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      'listen-ip': { type: 'string', default: '127.0.0.1' },
      'external-ip': { type: 'string' },
      'sip-port': { type: 'string', default: '5080' },
      'esl-port': { type: 'string', default: '8021' },
      'esl-allow': { type: 'string' },
      secret: { type: 'string', default: process.env['FREESWITCH_SECRET'] ?? '' },
      'rtp-range': { type: 'string', default: '20000-20999' },
      'sessions-per-second': { type: 'string', default: '1000' },
      'max-sessions': { type: 'string', default: '2000' },
      'log-level': { type: 'string', default: 'info' },
      'music-dir': { type: 'string', default: '/var/lib/acd/music' },
      codecs: { type: 'string' },
    },
    strict: true,
  })
  const problems: string[] = []
  const port = (name: string, v: string | undefined): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1 || n > 65535) problems.push(`--${name}: not a port number: ${v}`)
    return n
  }
  if (!values.out) problems.push('--out: the folder to write the configuration into is required')
  for (const name of ['listen-ip', 'external-ip'] as const) {
    const v = values[name]
    if (v !== undefined && !isIP(v) && !(name === 'listen-ip' && v === 'auto')) problems.push(`--${name}: not an IP address (or auto): ${v}`)
  }
  if (values['listen-ip'] === 'auto' && !values['esl-allow']) problems.push('--esl-allow: with --listen-ip auto, the CIDR allowed on the event socket is required')
  if (!values.secret) problems.push('--secret (or FREESWITCH_SECRET): the event socket password is required')
  const range = /^(\d+)-(\d+)$/.exec(values['rtp-range'] ?? '')
  const rtpStart = range ? port('rtp-range', range[1]) : NaN
  const rtpEnd = range ? port('rtp-range', range[2]) : NaN
  if (!range || rtpStart >= rtpEnd) problems.push(`--rtp-range: expected START-END with START < END: ${values['rtp-range']}`)
  const level = values['log-level'] as FreeswitchSettings['logLevel']
  if (!LEVELS.includes(level)) problems.push(`--log-level: one of ${LEVELS.join(', ')}: ${level}`)
  const count = (name: string, v: string | undefined): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) problems.push(`--${name}: a positive whole number: ${v}`)
    return n
  }
  const settings: FreeswitchSettings = {
    listenIp: values['listen-ip']!,
    externalIp: values['external-ip'],
    sipPort: port('sip-port', values['sip-port']),
    eslPort: port('esl-port', values['esl-port']),
    eslAllow: values['esl-allow'],
    secret: values.secret ?? '',
    rtpStart,
    rtpEnd,
    sessionsPerSecond: count('sessions-per-second', values['sessions-per-second']),
    maxSessions: count('max-sessions', values['max-sessions']),
    logLevel: level,
    musicDir: values['music-dir']!,
    codecs: values.codecs,
  }
  if (problems.length) throw new Error(`FreeSWITCH configuration not written:\n  ${problems.join('\n  ')}`)
  return { out: values.out!, settings }
}

if (require.main === module) {
  try {
    const { out, settings } = settingsFromArgs(process.argv.slice(2))
    const files = freeswitchConfig(settings)
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(out, name)), { recursive: true })
      writeFileSync(join(out, name), text)
    }
    process.stdout.write(`${Object.keys(files).length} FreeSWITCH configuration files in ${out}\n`)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(2)
  }
}
