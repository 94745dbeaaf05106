import t from 'tap'
import { freeswitchConfig } from '../../src/media/freeswitch-config'
import { settingsFromArgs } from '../../src/media/write-freeswitch-config'

t.test('the FreeSWITCH configuration: plain RTP, codecs, RTP range, event socket ACL', async (t) => {
  const { out, settings } = settingsFromArgs(['--out', '/tmp/x', '--secret', 's3cret', '--listen-ip', '10.0.0.5', '--external-ip', '192.0.2.7', '--rtp-range', '30000-30999'])
  t.equal(out, '/tmp/x')
  const files = freeswitchConfig(settings)
  const vars = files['vars.xml']!
  for (const v of ['rtp_secure_media', 'rtp_secure_media_inbound', 'rtp_secure_media_outbound']) {
    t.match(vars, `data="${v}=forbidden"`, `${v} is forbidden: no RTP/SAVP line is ever offered by accident`)
  }
  t.match(vars, 'global_codec_prefs=PCMU,PCMA,OPUS')
  t.match(files['autoload_configs/switch.conf.xml']!, /rtp-start-port" value="30000"[\s\S]*rtp-end-port" value="30999"/)
  t.match(files['autoload_configs/switch.conf.xml']!, 'sessions-per-second" value="1000"', "FreeSWITCH's default of 30 refuses calls above ~15/s")
  const profile = files['sip_profiles/mrf.xml']!
  t.match(profile, 'sip-ip" value="10.0.0.5"')
  t.match(profile, 'ext-rtp-ip" value="192.0.2.7"')
  t.match(profile, 'dtmf-type" value="rfc2833"')
  t.match(profile, 'rfc2833-pt" value="101"')
  t.match(files['autoload_configs/acl.conf.xml']!, 'cidr="10.0.0.5/32"', 'the event socket answers its own address only by default')
  t.match(files['autoload_configs/event_socket.conf.xml']!, 'password" value="s3cret"')
})

t.test('listen address auto: the address FreeSWITCH finds, the event socket on every interface', async (t) => {
  const { settings } = settingsFromArgs(['--out', 'd', '--secret', 'x', '--listen-ip', 'auto', '--esl-allow', '172.16.0.0/12'])
  const files = freeswitchConfig(settings)
  t.notMatch(files['vars.xml']!, 'local_ip_v4=')
  t.match(files['sip_profiles/mrf.xml']!, 'sip-ip" value="$${local_ip_v4}"')
  t.match(files['autoload_configs/event_socket.conf.xml']!, 'listen-ip" value="0.0.0.0"')
  t.match(files['autoload_configs/acl.conf.xml']!, 'cidr="172.16.0.0/12"')
  t.throws(() => settingsFromArgs(['--out', 'd', '--secret', 'x', '--listen-ip', 'auto']), /--esl-allow/)
})

t.test('bad command lines are refused with every problem named, nothing written', async (t) => {
  t.throws(() => settingsFromArgs(['--secret', '', '--sip-port', 'x', '--rtp-range', '9-3', '--listen-ip', 'nowhere', '--log-level', 'loud']), {
    message: /--out[\s\S]*--listen-ip: not an IP address \(or auto\): nowhere[\s\S]*--secret[\s\S]*--rtp-range[\s\S]*--log-level[\s\S]*--sip-port: not a port number: x/,
  })
  t.throws(() => settingsFromArgs(['--out', 'd', '--secret', 'x', '--bogus']), /bogus/)
})
