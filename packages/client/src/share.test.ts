import { sha256 } from '@noble/hashes/sha2.js'
import { fromB64url, prepareOpen, toB64url } from '@secretsentry/envelope'
import type { CreateShareRequest } from '@secretsentry/contract/types'
import { describe, expect, it } from 'vitest'
import { errorResponse, fakeFetch, jsonResponse } from './fake-fetch.test-support.ts'
import { ClientError, createShareClient, isClientError, parseLink, shareIdOf } from './share.ts'

const ORIGIN = 'https://secrets.example.com'

/** A fake of the share routes that checks access against the verifier like the server does. */
function fakeShareServer() {
  const shares = new Map<string, CreateShareRequest & { viewsLeft: number; tries: number }>()
  const fake = fakeFetch()
  fake.route('POST /api/share', (_req, body) => {
    const req = body as CreateShareRequest
    shares.set(req.id, { ...req, viewsLeft: req.maxViews, tries: 0 })
    return jsonResponse(201, {
      id: req.id,
      expiresAt: '2030-01-01T00:00:00.000Z',
      manageToken: `m-${req.id}`,
    })
  })
  const openRoute = (id: string) =>
    fake.route(`POST /api/share/${id}/open`, (_req, body) => {
      const s = shares.get(id)
      if (!s) return errorResponse(404, 'not_found')
      const { access } = body as { access: string }
      if (toB64url(sha256(fromB64url(access))) !== s.verifier) {
        s.tries++
        return errorResponse(403, 'wrong_access', { attemptsLeft: 5 - s.tries })
      }
      s.viewsLeft--
      if (s.viewsLeft === 0) shares.delete(id)
      return jsonResponse(200, {
        ciphertext: s.ciphertext,
        viewsLeft: s.viewsLeft,
        expiresAt: '2030-01-01T00:00:00.000Z',
        ttlSeconds: s.ttlSeconds,
        maxViews: s.maxViews,
      })
    })
  return { fake, shares, openRoute }
}

describe('parseLink', () => {
  it('splits a full link into origin, fragment and the id the server knows', async () => {
    const { fake } = fakeShareServer()
    const client = createShareClient({ origin: ORIGIN, fetch: fake.fetch })
    const made = await client.create({ kind: 'text', text: 'x' }, { ttlSeconds: 60, maxViews: 1 })
    const parsed = parseLink(made.link)
    expect(parsed).toEqual({
      origin: ORIGIN,
      fragment: made.fragment,
      id: made.id,
      passphrase: false,
    })
    expect(parseLink(`#${made.fragment}`).origin).toBeNull()
    expect(parseLink(made.fragment).id).toBe(made.id)
    expect(shareIdOf(made.link)).toBe(made.id)
    expect(shareIdOf(made.id)).toBe(made.id)
  })

  it('refuses a key in a query string, a wrong path, a missing or mangled key', () => {
    const fragment = `1.${'A'.repeat(43)}`
    const bad = [
      `${ORIGIN}/s?${fragment}`,
      `${ORIGIN}/s?k=${fragment}#${fragment}`,
      `${ORIGIN}/vault#${fragment}`,
      `${ORIGIN}/s#`,
      `${ORIGIN}/s`,
      `${ORIGIN}/s#1.short`,
      'ftp://x/s#1.abc',
      '',
    ]
    for (const link of bad) {
      expect(() => parseLink(link), link).toThrow(ClientError)
      try {
        parseLink(link)
      } catch (e) {
        expect((e as ClientError).code).toBe('bad_link')
      }
    }
    expect(() => parseLink(`${ORIGIN}/s?${fragment}`)).toThrow(/query string/)
    expect(parseLink(`${ORIGIN}/s#${fragment}`).origin).toBe(ORIGIN)
  })
})

describe('createShareClient', () => {
  it('creates a share whose request carries no key, and opens it with the link', async () => {
    const { fake, openRoute } = fakeShareServer()
    const client = createShareClient({ origin: ORIGIN, fetch: fake.fetch })
    const made = await client.create(
      { kind: 'text', text: 'canary-7f3a' },
      { ttlSeconds: 3600, maxViews: 2 },
    )
    expect(made.link).toBe(`${ORIGIN}/s#${made.fragment}`)
    expect(made.manageToken).toBe(`m-${made.id}`)
    expect(fake.requests[0]!.url).toBe(`${ORIGIN}/api/share`)
    // Neither the plaintext nor the seed part of the fragment is in anything sent.
    expect(fake.sent()).not.toContain('canary-7f3a')
    expect(fake.sent()).not.toContain(made.fragment.split('.')[1])
    openRoute(made.id)
    const opened = await client.open(made.link)
    expect(opened.record).toEqual({ kind: 'text', text: 'canary-7f3a' })
    expect(opened).toMatchObject({ viewsLeft: 1, ttlSeconds: 3600, maxViews: 2 })
    expect(fake.sent()).not.toContain(made.fragment.split('.')[1])
  })

  it('sends a receipt request beside the ciphertext, with no key or link in it', async () => {
    const { fake, shares } = fakeShareServer()
    const client = createShareClient({ origin: ORIGIN, fetch: fake.fetch })
    const made = await client.create(
      { kind: 'text', text: 'canary-receipt' },
      {
        ttlSeconds: 3600,
        maxViews: 1,
        receipt: { to: 'email', email: 'me@example.com', label: 'db' },
      },
    )
    expect(shares.get(made.id)?.receipt).toEqual({
      to: 'email',
      email: 'me@example.com',
      label: 'db',
    })
    expect(fake.sent()).not.toContain('canary-receipt')
    expect(fake.sent()).not.toContain(made.fragment.split('.')[1])
    expect(fake.sent()).not.toContain('/s#')
    const plain = await client.create({ kind: 'text', text: 'x' }, { ttlSeconds: 60, maxViews: 1 })
    expect(shares.get(plain.id)).not.toHaveProperty('receipt')
  })

  it('asks for the passphrase before sending anything, and reports attempts left when wrong', async () => {
    const { fake, openRoute } = fakeShareServer()
    const client = createShareClient({ origin: ORIGIN, fetch: fake.fetch })
    const made = await client.create(
      { kind: 'file', name: 'a.bin', type: '', data: new Uint8Array([0, 255, 10]) },
      { ttlSeconds: 60, maxViews: 1, passphrase: 'correct horse' },
    )
    expect(fake.sent()).not.toContain('correct horse')
    openRoute(made.id)
    const before = fake.requests.length
    await expect(client.open(made.link)).rejects.toMatchObject({
      code: 'passphrase_required',
      status: 0,
    })
    expect(fake.requests.length).toBe(before)
    const wrong = await client.open(made.link, { passphrase: 'wrong' }).catch((e: unknown) => e)
    expect(wrong).toBeInstanceOf(ClientError)
    expect(wrong).toMatchObject({ code: 'wrong_access', status: 403, attemptsLeft: 4 })
    const opened = await client.open(made.fragment, { passphrase: 'correct horse' })
    expect(opened.record).toEqual({
      kind: 'file',
      name: 'a.bin',
      type: '',
      data: new Uint8Array([0, 255, 10]),
    })
    expect(opened.viewsLeft).toBe(0)
    await expect(client.open(made.link, { passphrase: 'correct horse' })).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
    })
  })

  it('reports tampered ciphertext as decrypt_failed (after the view was spent)', async () => {
    const { fake, shares, openRoute } = fakeShareServer()
    const client = createShareClient({ origin: ORIGIN, fetch: fake.fetch })
    const made = await client.create({ kind: 'text', text: 'x' }, { ttlSeconds: 60, maxViews: 1 })
    const s = shares.get(made.id)!
    const bytes = fromB64url(s.ciphertext)
    bytes[bytes.length - 1]! ^= 1
    s.ciphertext = toB64url(bytes)
    openRoute(made.id)
    await expect(client.open(made.link)).rejects.toMatchObject({ code: 'decrypt_failed' })
  })

  it('maps rate limits, size limits, non-JSON answers and network failures to ClientError', async () => {
    const fake = fakeFetch()
    const client = createShareClient({ origin: ORIGIN, fetch: fake.fetch })
    const record = { kind: 'text', text: 'x' } as const
    const policy = { ttlSeconds: 60, maxViews: 1 }
    fake.route('POST /api/share', () =>
      errorResponse(429, 'rate_limited', {}, { 'Retry-After': '17' }),
    )
    await expect(client.create(record, policy)).rejects.toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryAfterSeconds: 17,
    })
    fake.route('POST /api/share', () => errorResponse(413, 'payload_too_large'))
    await expect(client.create(record, policy)).rejects.toMatchObject({ code: 'payload_too_large' })
    fake.route('POST /api/share', () => jsonResponse(502, undefined))
    await expect(client.create(record, policy)).rejects.toMatchObject({
      code: 'internal',
      status: 502,
    })
    fake.route('POST /api/share', () => jsonResponse(201, undefined))
    await expect(client.create(record, policy)).rejects.toMatchObject({ code: 'bad_response' })
    const offline = createShareClient({
      origin: ORIGIN,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    })
    await expect(offline.create(record, policy)).rejects.toMatchObject({
      code: 'network',
      status: 0,
    })
  })

  it('names bad input before any work or request', async () => {
    const fake = fakeFetch()
    const client = createShareClient({ origin: ORIGIN, fetch: fake.fetch })
    await expect(
      client.create({ kind: 'text', text: 'x' }, { ttlSeconds: 0, maxViews: 1 }),
    ).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/ttlSeconds/) })
    expect(fake.requests).toHaveLength(0)
    expect(() =>
      createShareClient({ origin: 'https://x.example/path', fetch: fake.fetch }),
    ).toThrow(/origin/)
    expect(() => createShareClient({ origin: '', fetch: fake.fetch })).toThrow(/linkOrigin/)
  })

  it('sends the manage token as a bearer for status and delete, and uses linkOrigin for links', async () => {
    const fake = fakeFetch()
    const client = createShareClient({ origin: '', linkOrigin: ORIGIN, fetch: fake.fetch })
    fake.route('GET /api/share/abc/status', (req) =>
      req.headers['authorization'] === 'Bearer tok'
        ? jsonResponse(200, { id: 'abc', viewsLeft: 1 })
        : errorResponse(401, 'unauthorized'),
    )
    fake.route('DELETE /api/share/abc', () => jsonResponse(204, undefined))
    await expect(client.status('abc', 'tok')).resolves.toMatchObject({ viewsLeft: 1 })
    await expect(client.status('abc', 'nope')).rejects.toMatchObject({ code: 'unauthorized' })
    await expect(client.delete('abc', 'tok')).resolves.toBeUndefined()
    expect(fake.requests[0]!.url).toBe('/api/share/abc/status')
    const sealed = await client.seal({ kind: 'text', text: 'y' }, { ttlSeconds: 60, maxViews: 1 })
    expect(client.linkFor(sealed.fragment)).toBe(`${ORIGIN}/s#${sealed.fragment}`)
    // The sealed request opens with the fragment: seal() is the same envelope as create().
    expect((await prepareOpen(sealed.fragment)).id).toBe(sealed.request.id)
  })
})

describe('isClientError', () => {
  it('matches ClientError, optionally by code, and nothing else', () => {
    const err = new ClientError(403, 'wrong_access', 'no', { attemptsLeft: 2 })
    expect(isClientError(err)).toBe(true)
    expect(isClientError(err, 'wrong_access')).toBe(true)
    expect(isClientError(err, 'not_found')).toBe(false)
    expect(isClientError(Object.assign(new Error('x'), { code: 'wrong_access' }))).toBe(false)
  })
})
