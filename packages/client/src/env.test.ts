import { describe, expect, it } from 'vitest'
import { ENV_NAME_PATTERN, secretsToEnv } from './env.ts'
import { ClientError } from './errors.ts'

const s = (path: string, value = `value of ${path}`) => ({
  path,
  name: path.slice(path.lastIndexOf('/') + 1),
  value,
})

function refusal(run: () => unknown): ClientError {
  try {
    run()
  } catch (e) {
    expect(e).toBeInstanceOf(ClientError)
    return e as ClientError
  }
  throw new Error('expected a refusal')
}

describe('secretsToEnv', () => {
  it('maps each name to its value, in path order, as own properties of a plain object', () => {
    const env = secretsToEnv([s('/app/prod/B'), s('/app/prod/A'), s('/app/prod/__proto__', 'x')])
    expect(Object.keys(env)).toEqual(['A', 'B', '__proto__'])
    expect(Object.getPrototypeOf(env)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(env, '__proto__')?.value).toBe('x')
    expect(env.A).toBe('value of /app/prod/A')
    expect(secretsToEnv([])).toEqual({})
  })

  it('accepts exactly the portable names', () => {
    for (const ok of ['A', '_', 'a_1', 'DB_PASSWORD', '_X9'])
      expect(ENV_NAME_PATTERN.test(ok)).toBe(true)
    for (const bad of ['', '1A', 'A-B', 'A.B', 'A B', 'É', 'A=B', 'A\nB', 'A\0'])
      expect(ENV_NAME_PATTERN.test(bad)).toBe(false)
  })

  it('refuses a name that is no variable name, naming its path but never a value', () => {
    const e = refusal(() =>
      secretsToEnv([s('/app/prod/api-key', 'CANARY-1'), s('/app/prod/OK', 'CANARY-2')]),
    )
    expect(e.code).toBe('env_name')
    expect(e.message).toContain('"/app/prod/api-key"')
    expect(e.message).not.toContain('CANARY')
    expect(e.message).not.toContain('/app/prod/OK')
  })

  it('refuses two secrets giving one variable (a folder and its subfolder), naming both paths', () => {
    const e = refusal(() =>
      secretsToEnv([
        s('/app/prod/db/URL', 'CANARY-1'),
        s('/app/prod/URL', 'CANARY-2'),
        s('/app/prod/X'),
      ]),
    )
    expect(e.message).toContain('"/app/prod/URL" and "/app/prod/db/URL" would both be URL')
    expect(e.message).not.toContain('CANARY')
    expect(e.details.candidates).toHaveLength(1)
  })

  it('lists every problem at once', () => {
    const e = refusal(() =>
      secretsToEnv([s('/a/1x'), s('/a/B'), s('/a/c/B'), s('/a/N', 'nul\0inside')], {
        forProcessEnv: true,
      }),
    )
    expect(e.details.candidates).toHaveLength(3)
    expect(e.message).toContain('"/a/N": its value contains a NUL character')
  })

  it('keeps a NUL for an object in memory (JSON, the SDK), refuses it for a process environment', () => {
    expect(secretsToEnv([s('/a/N', 'a\0b')]).N).toBe('a\0b')
    expect(() => secretsToEnv([s('/a/N', 'a\0b')], { forProcessEnv: true })).toThrow(/NUL/)
  })
})
