// The platform configuration in Redis: the raw (snake_case) document the YAML holds, with a
// version number. A change is a compare-and-set on the version, validated first by the same path
// as the YAML file (validateRaw): applied as a whole or not at all.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { keys, PLATFORM_POOL } from '../acd/keys'
import type { RedisLike } from '../redis/connect'
import { ConfigError } from './errors'
import { parseYamlDocument, validateRaw } from './load'
import type { PlatformConfig } from './model'

/* eslint-disable @typescript-eslint/no-explicit-any */
export type RawConfig = any

/** Pub/sub channel told each new version (instances also poll, in case a message is missed). */
export const CONFIG_CHANNEL = `acd:{${PLATFORM_POOL}}:config:changed`

// KEYS[1] the configuration hash; ARGV[1] the version the writer read, ARGV[2] the document (JSON),
// ARGV[3] the YAML file's SHA-256 ('' to keep the one recorded), ARGV[4] the channel.
// Reply {1, new version} or {0, current version} when the writer's version is stale.
const CAS_LUA = `
local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if v ~= tonumber(ARGV[1]) then return { 0, v } end
v = v + 1
redis.call('HSET', KEYS[1], 'version', v, 'doc', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'file_sha', ARGV[3]) end
redis.call('PUBLISH', ARGV[4], tostring(v))
return { 1, v }
`

// KEYS[1] the configuration hash; ARGV[1] the version, ARGV[2] the document. Written only when Redis
// holds no configuration (it lost its data): the same version comes back, as the instances know it.
const RESTORE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'doc', ARGV[2])
return 1
`

export interface StoredConfig {
  version: number
  raw: RawConfig
  fileSha: string | undefined
}

/** A write based on a version that is no longer the current one (HTTP 412). */
export class StaleVersion extends Error {
  constructor(
    readonly expected: number,
    readonly current: number,
  ) {
    super(`the configuration is at version ${current}, not ${expected}`)
    this.name = 'StaleVersion'
  }
}

type RestoreCaller = (key: string, version: number, doc: string) => Promise<number>
type CasCaller = (key: string, expected: number, doc: string, sha: string, channel: string) => Promise<[number, number]>

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

export class ConfigRepo {
  private readonly cas: CasCaller
  private readonly restoreCaller: RestoreCaller
  readonly key = keys.platformConfig(PLATFORM_POOL)

  constructor(readonly redis: RedisLike) {
    const r = redis as unknown as Record<string, CasCaller | undefined>
    if (!r['acdConfigCas']) redis.defineCommand('acdConfigCas', { numberOfKeys: 1, lua: CAS_LUA })
    this.cas = (r['acdConfigCas'] as CasCaller).bind(redis)
    if (!r['acdConfigRestore']) redis.defineCommand('acdConfigRestore', { numberOfKeys: 1, lua: RESTORE_LUA })
    this.restoreCaller = (r['acdConfigRestore'] as unknown as RestoreCaller).bind(redis)
  }

  /** Puts back a version Redis lost (restarted without its data); false when Redis holds one. */
  async restore(raw: RawConfig, version: number): Promise<boolean> {
    return Number(await this.restoreCaller(this.key, version, JSON.stringify(raw))) === 1
  }

  async version(): Promise<number> {
    return Number((await this.redis.hget(this.key, 'version')) ?? 0)
  }

  async read(): Promise<StoredConfig | undefined> {
    const [version, doc, fileSha] = await this.redis.hmget(this.key, 'version', 'doc', 'file_sha')
    if (!version || !doc) return undefined
    return { version: Number(version), raw: JSON.parse(doc), fileSha: fileSha ?? undefined }
  }

  /**
   * Validates `raw` as a whole (ConfigError with every problem) and writes it as the next version
   * when the current one is still `expected` (StaleVersion otherwise). Nothing is written on a
   * refusal.
   */
  async write(raw: RawConfig, expected: number, opts: { source?: string; fileSha?: string } = {}): Promise<{ version: number; config: PlatformConfig }> {
    const config = validateRaw(raw, opts.source ?? 'api')
    const [ok, version] = await this.cas(this.key, expected, JSON.stringify(raw), opts.fileSha ?? '', CONFIG_CHANNEL)
    if (Number(ok) !== 1) throw new StaleVersion(expected, Number(version))
    return { version: Number(version), config }
  }

  /**
   * The YAML file is the bootstrap: written as the first version when Redis holds none, and
   * imported as a new version when it changed since it was last imported (an operator edited it);
   * otherwise the version in Redis (changed by the API since) is the configuration.
   */
  async bootstrap(file: string): Promise<{ version: number; config: PlatformConfig; raw: RawConfig; imported: boolean }> {
    for (;;) {
      const stored = await this.read()
      const text = readFileSync(file, 'utf8')
      const fileSha = sha256(text)
      if (stored && stored.fileSha === fileSha) return { version: stored.version, config: validateRaw(stored.raw, `redis (version ${stored.version})`), raw: stored.raw, imported: false }
      try {
        const raw = parseYamlDocument(text, file)
        const r = await this.write(raw, stored?.version ?? 0, { source: file, fileSha })
        return { ...r, raw, imported: true }
      } catch (err) {
        if (err instanceof StaleVersion) continue
        // a refused file leaves the configuration in Redis in force
        if (err instanceof ConfigError && stored) return { version: stored.version, config: validateRaw(stored.raw, `redis (version ${stored.version})`), raw: stored.raw, imported: false }
        throw err
      }
    }
  }
}
