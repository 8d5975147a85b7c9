/** The oldest PostgreSQL SecretSentry runs on: an older server is a start-up error naming the setting. */
import { describe, expect, it } from 'vitest'
import { SettingError } from '../config.ts'
import { assertSupportedPostgres, MIN_POSTGRES_VERSION } from './postgres.ts'

describe('PostgreSQL version', () => {
  it.each([90624, 110022, 120018, 129999])('refuses server_version_num %i', (version) => {
    expect(() => assertSupportedPostgres(version)).toThrow(SettingError)
    expect(() => assertSupportedPostgres(version)).toThrow(
      new RegExp(
        `^DATABASE_URL points to PostgreSQL ${Math.floor(version / 10000)}; SecretSentry needs 13 or newer$`,
      ),
    )
  })

  it('names the flag when the URL came from --database-url', () => {
    try {
      assertSupportedPostgres(120018)
    } catch (err) {
      expect((err as SettingError).render('--database-url')).toMatch(/^--database-url points to/)
      return
    }
    throw new Error('PostgreSQL 12 was accepted')
  })

  it.each([MIN_POSTGRES_VERSION, 130016, 150019, 170002])('accepts %i', (version) => {
    expect(() => assertSupportedPostgres(version)).not.toThrow()
  })

  it('refuses a version it could not read', () => {
    expect(() => assertSupportedPostgres(Number.NaN)).toThrow(
      /^DATABASE_URL: the server did not report its version; SecretSentry needs PostgreSQL 13 or newer$/,
    )
  })
})
