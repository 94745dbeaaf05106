// `npm run prompts`: writes the default prompt set of every language into PROMPTS_DIR
// (default var/prompts), installing espeak-ng and sox from Debian when missing and run as root.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { generatePromptSet, missingTools, PHRASES } from './prompt-set'
import { promptsDir } from './prompts'

const missing = missingTools()
if (missing.length && process.getuid?.() === 0) {
  const packages = missing.map((m) => (m === 'sox' ? 'sox' : 'espeak-ng'))
  process.stderr.write(`installing Debian packages: ${packages.join(' ')}\n`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env })
}
for (const language of Object.keys(PHRASES)) {
  const dir = join(promptsDir(), language)
  const files = generatePromptSet(language, dir)
  process.stdout.write(`${language}: ${files.length} prompts in ${dir}\n`)
}
