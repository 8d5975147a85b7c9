/** @module Creates and opens real shares from Node with the envelope, over plain HTTP to the server under test. */
import { createShare, prepareOpen, type ShareRecord } from '@secretsentry/envelope'
import type {
  CreateShareResponse,
  ErrorBody,
  OpenShareResponse,
  ShareStatusResponse,
} from '@secretsentry/contract/types'

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

async function json<T>(res: Response): Promise<T> {
  const text = await res.text()
  try {
    return JSON.parse(text) as T
  } catch {
    throw new Error(`${res.status} ${res.url}: not JSON: ${text.slice(0, 200)}`)
  }
}

export async function createTextShare(
  origin: string,
  text: string,
  options: NewShareOptions = {},
): Promise<CreatedShare> {
  const { fragment, request } = await createShare(
    { kind: 'text', text },
    {
      ttlSeconds: options.ttlSeconds ?? 3600,
      maxViews: options.maxViews ?? 1,
      ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    },
  )
  const res = await fetch(`${origin}/api/share`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  })
  if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`)
  const body = await json<CreateShareResponse>(res)
  return { ...body, fragment, link: `${origin}/s#${fragment}` }
}

export type OpenResult =
  | { ok: true; status: 200; body: OpenShareResponse; record: ShareRecord }
  | { ok: false; status: number; error: ErrorBody['error'] }

/** Opens a share the way a client does: derive `access` from the fragment, POST it, decrypt. Consumes a view. */
export async function openShare(
  origin: string,
  fragment: string,
  passphrase?: string,
): Promise<OpenResult> {
  const prepared = await prepareOpen(fragment, passphrase)
  const res = await fetch(`${origin}/api/share/${prepared.id}/open`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ access: prepared.access }),
  })
  if (res.status === 200) {
    const body = await json<OpenShareResponse>(res)
    return { ok: true, status: 200, body, record: await prepared.decrypt(body) }
  }
  return { ok: false, status: res.status, error: (await json<ErrorBody>(res)).error }
}

/** The creator's view of a share (never consumes it); null when the server says 404. */
export async function shareStatus(
  origin: string,
  id: string,
  manageToken: string,
): Promise<ShareStatusResponse | null> {
  const res = await fetch(`${origin}/api/share/${id}/status`, {
    headers: { authorization: `Bearer ${manageToken}` },
  })
  if (res.status === 404) {
    await res.arrayBuffer()
    return null
  }
  if (res.status !== 200) throw new Error(`status: ${res.status} ${await res.text()}`)
  return json<ShareStatusResponse>(res)
}
