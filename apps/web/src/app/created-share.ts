/** @module The result of creating a share, passed from the form to the result view. */
export interface CreatedShare {
  /** `${origin}/s#${fragment}`: shown once, kept only in memory. */
  link: string
  id: string
  expiresAt: string
  ttlSeconds: number
  maxViews: number
  hasPassphrase: boolean
  /** The creator's label (trimmed, possibly empty): kept locally; sent only in a receipt the creator put it in. */
  label: string
}
