import { readFileSync } from 'node:fs'
import Ajv from 'ajv'
import { LineCounter, parseDocument } from 'yaml'
import { ConfigError, type ConfigProblem } from './errors'
import type { PlatformConfig } from './model'
import { build } from './build'
import { configSchema } from './schema'

const ajv = new Ajv({ allErrors: true, strict: true })
const validateShape = ajv.compile(configSchema)

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = any

/** Reads and validates a YAML configuration file; throws ConfigError listing every problem. */
export function loadConfigFile(file: string): PlatformConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError([{ file, path: '', reason: `cannot read file: ${(err as Error).message}` }])
  }
  return parseConfig(text, file)
}

export function parseConfig(text: string, file = '<inline>'): PlatformConfig {
  return validateRaw(parseYamlDocument(text, file), file)
}

/** The raw document of a YAML text (syntax only); throws ConfigError with the line and column. */
export function parseYamlDocument(text: string, file = '<inline>'): Raw {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { prettyErrors: false, lineCounter })
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        path: (() => {
          const at = lineCounter.linePos(e.pos[0])
          return `line ${at.line}, column ${at.col}`
        })(),
        reason: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    )
  }
  return doc.toJS()
}

/**
 * Validates a raw (snake_case) document exactly as a YAML file is: the schema, then the meaning
 * checks; throws ConfigError with every problem. The YAML loader and the administration API both
 * come through here.
 */
export function validateRaw(raw: Raw, file = '<inline>'): PlatformConfig {
  if (!validateShape(raw)) {
    const problems = (validateShape.errors ?? []).map((e) => ({
      file,
      path: e.instancePath,
      reason:
        e.keyword === 'additionalProperties'
          ? `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`
          : e.keyword === 'enum'
            ? `${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
            : (e.message ?? 'invalid'),
    }))
    throw new ConfigError(dedupe(problems))
  }
  const problems: ConfigProblem[] = []
  const config = build(raw, file, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const k = `${p.path}|${p.reason}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}
