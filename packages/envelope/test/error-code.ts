/** @module Test helper: the EnvelopeError code a call fails with, or 'no error', so tables can compare codes. */

const codeOf = (e: unknown): string => (e as { code?: string }).code ?? String(e)

export function errorCode(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return codeOf(e)
  }
  return 'no error'
}

export async function asyncErrorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return codeOf(e)
  }
  return 'no error'
}
