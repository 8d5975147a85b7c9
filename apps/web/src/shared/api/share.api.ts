/**
 * @module The share client of this page (packages/client) over the browser's transport, and the
 * one error type the pages turn into words.
 */
import { ClientError, createShareClient } from '@secretsentry/client/share'
import type { FetchLike, ShareClient } from '@secretsentry/client/share'

export { ClientError }

/**
 * The transport the share and vault clients both use: answers holding secrets are never cached,
 * no Referer is sent, and cookies go to this origin only. Looked up at call time, so a test's
 * stubbed fetch is the one used.
 */
export const browserFetch: FetchLike = (url, init) =>
  fetch(url, {
    ...init,
    cache: 'no-store',
    credentials: 'same-origin',
    referrerPolicy: 'no-referrer',
  })

/**
 * Requests go to this origin by relative path; links name this origin. `csrfToken`: a logged-in
 * browser's token, which the server asks for when only accounts may create shares.
 */
export function shareClient(csrfToken?: string): ShareClient {
  const fetchFn: FetchLike = csrfToken
    ? (url, init) =>
        browserFetch(url, { ...init, headers: { ...init.headers, 'x-csrf-token': csrfToken } })
    : browserFetch
  return createShareClient({ origin: '', linkOrigin: window.location.origin, fetch: fetchFn })
}
