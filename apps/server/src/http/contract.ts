/** @module The contract's account, vault, token, admin and notification schemas, built on first use. */
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
