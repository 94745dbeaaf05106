// The end-to-end harness itself: FreeSWITCH, drachtio-server and SIPp start from the helpers,
// talk to each other on loopback, and a missing binary gives one loud skip.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import Srf from 'drachtio-srf'
import Mrf from 'drachtio-fsmrf'
import t, { type Test } from 'tap'
import { findBinary } from '../../src/stack/binaries'
import { requireBinaries } from '../helpers/binaries'
import { startDrachtio, type DrachtioHandle } from '../../src/stack/drachtio'
import { startFreeswitch } from '../../src/stack/freeswitch'
import { describeSipp, runSipp, startSippUas } from '../../src/stack/sipp'

const STATIC_SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=sendrecv',
  '',
].join('\r\n')

/** A drachtio-srf application connected to the server; disconnected at teardown. */
async function connectSrf(t: Test, d: DrachtioHandle): Promise<Srf> {
  const srf = new Srf()
  srf.on('error', () => {
    /* reconnection attempts once the server is gone */
  })
  srf.connect({ host: d.host, port: d.adminPort, secret: d.secret })
  const [err] = (await once(srf, 'connect')) as [Error | null, string]
  if (err) throw err
  t.teardown(() => srf.disconnect())
  return srf
}

t.test('FreeSWITCH starts with the generated config and has no channel', async (t) => {
  if (!requireBinaries(t, ['freeswitch'])) return
  const fs = await startFreeswitch(t)
  t.equal(await fs.channelCount(), 0, 'show channels count')
  t.equal(await fs.sessionCount(), 0, 'status')
  t.match(await fs.api('sofia status'), new RegExp(`drachtio_mrf\\s+profile\\s+sip:mod_sofia@127\\.0\\.0\\.1:${fs.sipPort}\\s+RUNNING`))
  t.match(await fs.api('version'), /FreeSWITCH Version 1\./, 'api answers')
  t.ok(fs.rtpPorts.start >= 20000 && fs.rtpPorts.end < 60000 && fs.rtpPorts.end - fs.rtpPorts.start === 1999, 'RTP window')
  await fs.stop()
  t.not(fs.proc.exitCode ?? fs.proc.signalCode, null, 'stopped')
})

t.test('drachtio-server accepts a drachtio-srf application', async (t) => {
  if (!requireBinaries(t, ['drachtio'])) return
  const d = await startDrachtio(t)
  t.equal(d.host, '127.0.0.1')
  const srf = new Srf()
  srf.on('error', () => {})
  srf.connect({ host: d.host, port: d.adminPort, secret: d.secret })
  const [err, hostport] = (await once(srf, 'connect')) as [Error | null, string]
  t.equal(err, null, 'authenticated')
  t.match(hostport, `127.0.0.1:${d.sipPort}`, 'the server reports its SIP address')
  srf.disconnect()

  const wrong = new Srf()
  wrong.on('error', () => {})
  wrong.connect({ host: d.host, port: d.adminPort, secret: 'not-the-secret' })
  const [authErr] = (await once(wrong, 'connect')) as [Error | null]
  t.match(authErr, Error, 'a wrong secret is refused')
  wrong.disconnect()
})

t.test('a SIPp caller reaches a drachtio-srf application and hangs up', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const d = await startDrachtio(t)
  const srf = await connectSrf(t, d)
  const seen: { ruriUser?: string; ended?: boolean } = {}
  const ended = new Promise<void>((resolve) => {
    srf.invite((req, res) => {
      seen.ruriUser = /^sips?:([^@;]+)@/.exec(req.uri)?.[1]
      srf
        .createUAS(req, res, { localSdp: STATIC_SDP })
        .then((dialog) =>
          dialog.on('destroy', () => {
            seen.ended = true
            resolve()
          }),
        )
        .catch(() => undefined)
    })
  })
  const r = await runSipp({
    scenario: 'uac-caller',
    target: `127.0.0.1:${d.sipPort}`,
    args: ['-s', '+33972000001', '-set', 'talk', '500'],
    timeoutMs: 30_000,
  })
  t.equal(r.code, 0, 'sipp exit code', { diagnostic: r.code !== 0, details: describeSipp(r) })
  await Promise.race([ended, new Promise((r) => setTimeout(r, 3000))])
  t.equal(seen.ruriUser, '+33972000001', 'the app saw the dialled number')
  t.ok(seen.ended, "the caller's BYE ended the dialog")
})

t.test('drachtio-server relays a call to a SIPp agent phone (UAS helper)', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const d = await startDrachtio(t)
  const srf = await connectSrf(t, d)
  const agent = await startSippUas({ scenario: 'uas-agent-answer-hangup', args: ['-set', 'ring', '100', '-set', 'talk', '300'] })
  t.teardown(() => agent.stop())
  // the app calls the agent (as the ACD would) and waits for its BYE
  const dialog = await srf.createUAC(`sip:agent@${agent.address}`, { localSdp: STATIC_SDP })
  t.match(dialog.remote.sdp, /m=audio \d+ RTP\/AVP 0 101/, "the agent's answer")
  await once(dialog, 'destroy')
  t.pass('the agent hung up')
  const r = await agent.done
  t.equal(r.code, 0, 'agent scenario exit code', { diagnostic: r.code !== 0, details: describeSipp(r) })
})

t.test('a SIPp agent phone takes a re-INVITE, then the BYE of the far end', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'sipp'])) return
  const d = await startDrachtio(t)
  const srf = await connectSrf(t, d)
  const agent = await startSippUas({ scenario: 'uas-agent-answer', localIp: '127.0.0.1', args: ['-set', 'ring', '50'] })
  t.teardown(() => agent.stop())
  const dialog = await srf.createUAC(`sip:agent@${agent.address}`, { localSdp: STATIC_SDP })
  await dialog.modify(STATIC_SDP.replace('a=sendrecv', 'a=sendonly'))
  t.pass('re-INVITE answered')
  await dialog.destroy()
  const r = await agent.done
  t.equal(r.code, 0, 'agent scenario exit code', { diagnostic: r.code !== 0, details: describeSipp(r) })
})

t.test('drachtio-fsmrf creates and releases a FreeSWITCH endpoint through drachtio-server', async (t) => {
  if (!requireBinaries(t, ['drachtio', 'freeswitch'])) return
  const [d, fs] = await Promise.all([startDrachtio(t), startFreeswitch(t)])
  const srf = await connectSrf(t, d)
  const mrf = new Mrf(srf)
  const ms = await mrf.connect({ address: fs.host, port: fs.eslPort, secret: fs.secret, listenAddress: '127.0.0.1', listenPort: 0 })
  t.teardown(() => ms.disconnect())
  const ep = await ms.createEndpoint()
  t.equal(await fs.sessionCount(), 1, 'one session while the endpoint lives')
  t.ok(await fs.waitForChannels(1), 'and one channel')
  await ep.destroy()
  t.ok(await fs.waitForChannels(0), 'released')
  t.equal(await fs.channelCount(), 0)
})

t.test('a missing binary gives one loud skip line', async (t) => {
  t.equal(findBinary('drachtio', { ...process.env, DRACHTIO_BIN: '/nonexistent/drachtio' }), undefined, 'a wrong DRACHTIO_BIN is not replaced by PATH')
  t.equal(findBinary('sipp', { PATH: '' }), findBinary('sipp', { PATH: '', SIPP_BIN: '' }), 'empty override = no override')

  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'missing-binary.ts')], {
    env: { ...process.env, DRACHTIO_BIN: '/nonexistent/drachtio', SIP_E2E_REQUIRED: '', TAP: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const [code] = (await once(child, 'close')) as [number]
  t.equal(code, 0, 'a skip is not a failure')
  const loud = stderr.split('\n').filter((l) => l.includes('***'))
  t.equal(loud.length, 1, 'exactly one loud line')
  t.match(loud[0], /^\*\*\* SKIPPING SIP END-TO-END TESTS: missing drachtio \(set DRACHTIO_BIN or put drachtio on PATH\) \*\*\*$/)
  t.match(stdout, /# SKIP/, 'tap counts a skip')
  t.match(stdout, /SKIPPED: drachtio-server binary not found/)
})
