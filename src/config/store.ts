import { EventEmitter } from 'node:events'
import { ConfigError } from './errors'
import { loadConfigFile } from './load'
import type { PlatformConfig } from './model'

/**
 * Holds the running configuration. A reload that fails validation is refused as a whole and
 * the previous configuration stays in force.
 */
export class ConfigStore extends EventEmitter {
  private config: PlatformConfig

  constructor(readonly file: string) {
    super()
    this.config = loadConfigFile(file)
  }

  get current(): PlatformConfig {
    return this.config
  }

  /** Puts a configuration validated elsewhere (a version from Redis) in force and tells the listeners. */
  replace(next: PlatformConfig, opts: { silent?: boolean } = {}): void {
    this.config = next
    if (!opts.silent) this.emit('changed', next)
  }

  /** Reloads the file; returns the problems when refused (the current config is kept). */
  reload(): { ok: true } | { ok: false; error: ConfigError } {
    try {
      const next = loadConfigFile(this.file)
      this.config = next
      this.emit('changed', next)
      return { ok: true }
    } catch (err) {
      if (err instanceof ConfigError) {
        this.emit('refused', err)
        return { ok: false, error: err }
      }
      throw err
    }
  }
}
