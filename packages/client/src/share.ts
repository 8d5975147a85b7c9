/**
 * @module The share client (SPEC §4): create, open, check and delete one-time links.
 *
 * Security promise: the secret and the passphrase are encrypted here (envelope); the create
 * request holds only the id, verifier, ciphertext and policy, and the open request only the
 * access value. The fragment (the key) is never part of any request.
 */
import { createShare, EnvelopeError, prepareOpen } from '@secretsentry/envelope'
import type { PreparedOpen, ShareRecord } from '@secretsentry/envelope'
import type {
  CreateShareRequest,
  CreateShareResponse,
  OpenShareResponse,
  ShareReceiptRequest,
  ShareStatusResponse,
} from '@secretsentry/contract/types'
import { ClientError, localError } from './errors.ts'
import { connect, normalizeOrigin } from './http.ts'
import type { Connection, ConnectionOptions } from './http.ts'
import { formatLink, parseLink } from './link.ts'

export { ClientError } from './errors.ts'
export type { ClientErrorCode, ClientErrorDetails } from './errors.ts'
export type { ConnectionOptions, FetchLike, HttpRequest, HttpResponse, Method } from './http.ts'
export { formatLink, parseLink, shareIdOf } from './link.ts'
export type { ParsedLink } from './link.ts'
export type { ShareRecord } from '@secretsentry/envelope'
export type { ShareReceiptRequest, ShareStatusResponse } from '@secretsentry/contract/types'

export interface ShareClientOptions extends ConnectionOptions {
  /** The origin put in links (default: `origin`; required when `origin` is '', a relative API). */
  linkOrigin?: string
}

export interface ShareOptions {
  ttlSeconds: number
  maxViews: number
  /** Empty or absent: no passphrase. */
  passphrase?: string
  /** Called once encryption is done, before the upload (a page switches its progress text). */
  onUpload?: () => void
  /**
   * Tell the creator when the share ends (issue 12): to an email address (the server holds it in
   * clear until then) or to the logged-in account's channels. Sent beside the ciphertext; it
   * never holds the secret, the link or the key, and the label only when given here.
   */
  receipt?: ShareReceiptRequest
}

export interface CreatedLink {
  /** `ORIGIN/s#FRAGMENT`: the only place the key is; show it to the sender, never send it. */
  link: string
  id: string
  fragment: string
  expiresAt: string
  /** Lets the creator check and delete the share, never read it. */
  manageToken: string
}

export interface OpenedShare {
  record: ShareRecord
  viewsLeft: number
  expiresAt: string
  ttlSeconds: number
  maxViews: number
}

export interface ShareClient {
  /** Encrypts here and uploads. The answer's link is the only copy of the key. */
  create(record: ShareRecord, options: ShareOptions): Promise<CreatedLink>
  /**
   * Fetches and decrypts; consumes one view. Errors: `bad_link` / `passphrase_required` (nothing
   * sent), `not_found` (unknown, expired or used up), `wrong_access` with `attemptsLeft`,
   * `rate_limited` with `retryAfterSeconds`; `decrypt_failed` / `bad_record` after the view
   * was spent.
   */
  open(linkOrFragment: string, options?: { passphrase?: string }): Promise<OpenedShare>
  /** The creator's view (never consumes a view). */
  status(id: string, manageToken: string): Promise<ShareStatusResponse>
  /** Destroys the share; `token` is the manage token or the recipient's access value. */
  delete(id: string, token: string): Promise<void>
  /** Encrypts `record` for a new link without uploading it (the vault's share uploads it itself). */
  seal(
    record: ShareRecord,
    options: ShareOptions,
  ): Promise<{ fragment: string; request: CreateShareRequest }>
  /** The link for a fragment on this client's server. */
  linkFor(fragment: string): string
}

const sharePath = (id: string): string => `/api/share/${encodeURIComponent(id)}`
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

/** Envelope failures while encrypting are the caller's input, named as bad_input. */
function inputError(e: unknown): unknown {
  if (e instanceof EnvelopeError) return localError('bad_input', e.message)
  return e
}

export function createShareClient(options: ShareClientOptions): ShareClient {
  const http: Connection = connect(options)
  const linkOrigin =
    options.linkOrigin === undefined
      ? http.origin
      : normalizeOrigin(options.linkOrigin, 'linkOrigin')
  if (linkOrigin === '') {
    throw localError('bad_input', 'linkOrigin is required when origin is relative', {
      field: 'linkOrigin',
    })
  }

  async function seal(record: ShareRecord, opts: ShareOptions) {
    const passphrase = opts?.passphrase ?? ''
    try {
      return await createShare(record, {
        ttlSeconds: opts?.ttlSeconds,
        maxViews: opts?.maxViews,
        ...(passphrase !== '' ? { passphrase } : {}),
      })
    } catch (e) {
      throw inputError(e)
    }
  }

  async function prepare(fragment: string, passphrase: string | undefined, needs: boolean) {
    if (needs && (passphrase ?? '') === '') {
      throw localError('passphrase_required', 'This link needs its passphrase.')
    }
    try {
      return await prepareOpen(fragment, needs ? passphrase : undefined)
    } catch (e) {
      throw localError('bad_link', e instanceof Error ? e.message : 'link is not valid')
    }
  }

  async function decrypt(opener: PreparedOpen, res: OpenShareResponse): Promise<ShareRecord> {
    try {
      return await opener.decrypt(res)
    } catch (e) {
      if (e instanceof EnvelopeError && e.code === 'decrypt_failed') {
        throw localError(
          'decrypt_failed',
          'The secret could not be decrypted: the link or the stored data has been altered.',
        )
      }
      throw localError('bad_record', 'The secret could not be read: its contents are malformed.')
    }
  }

  return {
    seal,
    linkFor: (fragment) => formatLink(linkOrigin, fragment),

    async create(record, opts) {
      const { fragment, request } = await seal(record, opts)
      opts.onUpload?.()
      const body: CreateShareRequest = opts.receipt
        ? { ...request, receipt: opts.receipt }
        : request
      const res = await http.call<CreateShareResponse>('POST', '/api/share', { body })
      return {
        link: formatLink(linkOrigin, fragment),
        id: res.id,
        fragment,
        expiresAt: res.expiresAt,
        manageToken: res.manageToken,
      }
    },

    async open(linkOrFragment, opts = {}) {
      const parsed = parseLink(linkOrFragment)
      const opener = await prepare(parsed.fragment, opts.passphrase, parsed.passphrase)
      const res = await http.call<OpenShareResponse>('POST', `${sharePath(opener.id)}/open`, {
        body: { access: opener.access },
      })
      // The view is spent from here on: a decrypt failure cannot be retried.
      const record = await decrypt(opener, res)
      return {
        record,
        viewsLeft: res.viewsLeft,
        expiresAt: res.expiresAt,
        ttlSeconds: res.ttlSeconds,
        maxViews: res.maxViews,
      }
    },

    status: (id, manageToken) =>
      http.call<ShareStatusResponse>('GET', `${sharePath(id)}/status`, {
        headers: bearer(manageToken),
      }),

    async delete(id, token) {
      await http.call<void>('DELETE', sharePath(id), { headers: bearer(token) })
    },
  }
}

export function isClientError(e: unknown, code?: string): e is ClientError {
  return e instanceof ClientError && (code === undefined || e.code === code)
}
