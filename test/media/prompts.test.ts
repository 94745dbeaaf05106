import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError } from '../../src/config/errors'
import { parseConfig } from '../../src/config/load'
import { generatePromptSet, numberPrompts, PHRASES, positionAnnouncement } from '../../src/media/prompt-set'
import { missingPrompts, resolvePrompt } from '../../src/media/prompts'

t.test('the default prompt set is generated as 8 kHz mono WAV for each language', async (t) => {
  for (const language of Object.keys(PHRASES)) {
    const dir = mkdtempSync(join(tmpdir(), `acd-prompts-${language}-`))
    const files = generatePromptSet(language, dir)
    t.equal(files.length, Object.keys(PHRASES[language]!).length + 1, 'every phrase, and the hold music')
    t.ok(files.some((f) => f.endsWith('/hold-music.wav')))
    for (const f of files) {
      const head = readFileSync(f).subarray(0, 44)
      t.equal(head.toString('ascii', 0, 4), 'RIFF', `${f} is a WAV file`)
      t.equal(head.readUInt16LE(22), 1, 'mono')
      t.equal(head.readUInt32LE(24), 8000, '8 kHz')
      t.ok(head.readUInt32LE(40) > 1600, 'at least 0.1 s of speech')
    }
  }
  t.throws(() => generatePromptSet('xx', tmpdir()), /no default prompts for language "xx"/)
})

t.test('numbers are said digit by digit; the position announcement', async (t) => {
  t.same(numberPrompts(42), ['digit-4', 'digit-2'])
  t.same(positionAnnouncement(3, 150), ['you-are-number', 'digit-3', 'in-queue', 'estimated-wait', 'digit-3', 'minutes'])
  t.same(positionAnnouncement(12, 20), ['you-are-number', 'digit-1', 'digit-2', 'in-queue', 'estimated-wait', 'less-than-a-minute'])
})

t.test("prompt names resolve in the tenant's language; files and streams pass through", async (t) => {
  const tenant = parseConfig('tenants: [{ id: a, name: A, timezone: UTC, language: fr }]').tenants.get('a')!
  t.match(resolvePrompt(tenant, 'welcome'), /prompts\/fr\/welcome\.wav$/)
  t.equal(resolvePrompt(tenant, '/srv/audio/hello.wav'), '/srv/audio/hello.wav')
  t.equal(resolvePrompt(tenant, 'tone_stream://%(100,0,440)'), 'tone_stream://%(100,0,440)')
})

t.test("a tenant's own recordings come first, the default set fills the gaps", async (t) => {
  const own = mkdtempSync(join(tmpdir(), 'acd-own-prompts-'))
  writeFileSync(join(own, 'welcome.wav'), 'RIFF')
  const tenant = parseConfig(`tenants: [{ id: a, name: A, timezone: UTC, language: fr, prompt_dir: "${own}" }]`).tenants.get('a')!
  t.equal(resolvePrompt(tenant, 'welcome'), join(own, 'welcome.wav'))
  t.match(resolvePrompt(tenant, 'digit-4'), /prompts\/fr\/digit-4\.wav$/, 'not recorded: the default set')
  const err = t.throws(() => parseConfig('tenants: [{ id: a, name: A, timezone: UTC, language: de }, { id: b, name: B, timezone: UTC, prompt_dir: /no/such/dir }]', 'p.yaml')) as unknown as ConfigError
  t.match(err.problems, [
    { path: '/tenants/0/language', reason: /no default prompt set speaks "de" \(there are: en, fr\): give the tenant a prompt_dir/ },
    { path: '/tenants/1/prompt_dir', reason: /not an existing directory/ },
  ])
  t.ok(parseConfig(`tenants: [{ id: a, name: A, timezone: UTC, language: de, prompt_dir: "${own}" }]`), 'any language with its own recordings')
})

t.test('prompts a tenant cannot play are listed, so the service can say so at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-prompts-check-'))
  const before = process.env['PROMPTS_DIR']
  process.env['PROMPTS_DIR'] = dir
  t.teardown(() => {
    if (before === undefined) delete process.env['PROMPTS_DIR']
    else process.env['PROMPTS_DIR'] = before
  })
  const tenant = parseConfig('tenants: [{ id: a, name: A, timezone: UTC, language: en }]').tenants.get('a')!
  t.ok(missingPrompts(tenant).includes('you-are-number'), 'nothing generated yet')
  generatePromptSet('en', join(dir, 'en'))
  t.same(missingPrompts(tenant), [], 'the generated set covers every prompt')
})
