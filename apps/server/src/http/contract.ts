/** @module The contract's account, vault, token, admin and notification schemas, built on first use. */
import { B64URL } from '@secretsentry/contract/schemas'
import { b64urlLength } from '@secretsentry/contract/limits'

type Contract = typeof import('@secretsentry/contract')

let loading: Promise<Contract> | undefined

/**
 * zod builds every schema when its module is evaluated. The whole contract cost about 90 million
 * instructions of a start's 460 million, and only the share schemas (about 37 million) serve the
 * requests most instances answer; the rest waits for the first account, vault, token, admin or
 * OpenAPI request. The share routes import `@secretsentry/contract/schemas` alone, and no module
 * that start-up evaluates may import the whole contract (`contract.test.ts` reads the server's
 * sources for such an import).
 */
export function contract(): Promise<Contract> {
  return (loading ??= import('@secretsentry/contract'))
}

/** What a contract id schema (`b64urlBytes(bytes)`) accepts: base64url of exactly that many bytes' length. */
export function isB64urlOfBytes(text: string, bytes: number): boolean {
  return text.length === b64urlLength(bytes) && B64URL.test(text)
}
