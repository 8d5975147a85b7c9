/** @module Creates and opens real shares from Node with @secretsentry/client (what the CLI runs), over plain HTTP to the server under test. */
import { ClientError, createShareClient } from '@secretsentry/client/share'
import type { ShareRecord, ShareStatusResponse } from '@secretsentry/client/share'
import type { OpenShareResponse } from '@secretsentry/contract/types'

export interface CreatedShare {
  id: string
  fragment: string
  link: string
  manageToken: string
  expiresAt: string
}

export interface NewShareOptions {
  ttlSeconds?: number
  maxViews?: number
  passphrase?: string
}

const client = (origin: string) => createShareClient({ origin, fetch })

export async function createTextShare(
  origin: string,
  text: string,
  options: NewShareOptions = {},
): Promise<CreatedShare> {
  const { link, id, fragment, expiresAt, manageToken } = await client(origin).create(
    { kind: 'text', text },
    {
      ttlSeconds: options.ttlSeconds ?? 3600,
      maxViews: options.maxViews ?? 1,
      ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    },
  )
  return { id, fragment, link, manageToken, expiresAt }
}

export type OpenResult =
  | {
      ok: true
      status: 200
      body: Omit<OpenShareResponse, 'ciphertext'>
      record: ShareRecord
    }
  | { ok: false; status: number; error: { code: string; message: string } }

/** Opens a share the way a client does: derive `access` from the fragment, POST it, decrypt. Consumes a view. */
export async function openShare(
  origin: string,
  fragment: string,
  passphrase?: string,
): Promise<OpenResult> {
  try {
    const { record, ...body } = await client(origin).open(
      fragment,
      passphrase ? { passphrase } : {},
    )
    return { ok: true, status: 200, body, record }
  } catch (e) {
    if (!(e instanceof ClientError) || e.status === 0) throw e
    return { ok: false, status: e.status, error: { code: e.code, message: e.message } }
  }
}

/** The creator's view of a share (never consumes it); null when the server says 404. */
export async function shareStatus(
  origin: string,
  id: string,
  manageToken: string,
): Promise<ShareStatusResponse | null> {
  try {
    return await client(origin).status(id, manageToken)
  } catch (e) {
    if (e instanceof ClientError && e.status === 404) return null
    throw e
  }
}
