export interface ConfigProblem {
  file: string
  /** JSON-pointer-like path inside the document, e.g. /tenants/0/ddis/1/number */
  path: string
  reason: string
}

/** A configuration refused as a whole; lists every problem found, not only the first. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `configuration refused (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.file}: ${p.path || '/'}: ${p.reason}`).join('\n'),
    )
    this.name = 'ConfigError'
  }
}
