import { describe, expect, it } from 'vitest'
import { MIN_PASSWORD_LENGTH, newPasswordProblem } from './password.ts'

describe('the new password rule', () => {
  it('needs at least 12 characters, counted as a person counts them', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(12)
    expect(newPasswordProblem('a'.repeat(11))).toBe(
      'Use at least 12 characters; a few random words work well.',
    )
    expect(newPasswordProblem('a'.repeat(12))).toBeNull()
    // 11 emoji are 22 UTF-16 units but 11 characters: too short.
    expect(newPasswordProblem('🔑'.repeat(11))).not.toBeNull()
    expect(newPasswordProblem('🔑'.repeat(12))).toBeNull()
  })
})
