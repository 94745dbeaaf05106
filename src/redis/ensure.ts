import { spawnSync } from 'node:child_process'
import { hasRedisServer } from './private-server'

/**
 * Makes sure redis-server is installed, installing the Debian package when running as root.
 * Throws with a pointed message when it cannot.
 */
export function ensureRedisServer(log: (line: string) => void): void {
  if (hasRedisServer()) return
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('redis-server is not installed: install the Debian package redis-server, or set REDIS_URL to a Redis to use')
  }
  log('redis-server is missing: installing the Debian package redis-server')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'redis-server']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env })
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status})`)
  }
  if (!hasRedisServer()) throw new Error('redis-server still missing after installing the Debian package')
}
