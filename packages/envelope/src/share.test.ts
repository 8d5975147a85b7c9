/** @module Tests of createShare / prepareOpen, the calls the web app and CLI make. */
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { fromB64url, toB64url } from './b64url.ts'
import { parseFragment } from './fragment.ts'
import { utf8Encode } from './platform.ts'
import { createShare, prepareOpen } from './share.ts'
import type { ShareRecord } from './record.ts'

const text: ShareRecord = { kind: 'text', text: 'db password: c4n4ry-\u{1f511}' }
const file: ShareRecord = {
  kind: 'file',
  name: 'secret.env',
  type: 'text/plain',
  data: new Uint8Array([1, 2, 3]),
}

describe('createShare / prepareOpen', () => {
  it('round-trips text without a passphrase, with request fields of the wire lengths', async () => {
    const { fragment, request } = await createShare(text, { ttlSeconds: 3600, maxViews: 2 })
    expect(fragment).toMatch(/^1\.[A-Za-z0-9_-]{43}$/)
    expect(request.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(request.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(request.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(fromB64url(request.ciphertext).length).toBe(
      29 + 1 + utf8Encode((text as { text: string }).text).length,
    )
    expect([request.ttlSeconds, request.maxViews]).toEqual([3600, 2])

    const open = await prepareOpen(`#${fragment}`)
    expect(open.id).toBe(request.id)
    expect(open.passphrase).toBe(false)
    expect(toB64url(sha256(fromB64url(open.access)))).toBe(request.verifier)
    expect(
      await open.decrypt({ ciphertext: request.ciphertext, ttlSeconds: 3600, maxViews: 2 }),
    ).toEqual(text)
  })

  it('round-trips a file with a passphrase, and a wrong passphrase gives another access and fails to decrypt', async () => {
    const { fragment, request } = await createShare(file, {
      ttlSeconds: 300,
      maxViews: 1,
      passphrase: 'open sesame',
    })
    expect(fragment).toMatch(/^1\.[A-Za-z0-9_-]{43}\.p$/)
    const res = { ciphertext: request.ciphertext, ttlSeconds: 300, maxViews: 1 }

    const right = await prepareOpen(fragment, 'open sesame')
    expect(right.passphrase).toBe(true)
    expect(toB64url(sha256(fromB64url(right.access)))).toBe(request.verifier)
    expect(await right.decrypt(res)).toEqual(file)

    const wrong = await prepareOpen(fragment, 'open sesame!')
    expect(wrong.id).toBe(request.id)
    expect(wrong.access).not.toBe(right.access)
    await expect(wrong.decrypt(res)).rejects.toMatchObject({ code: 'decrypt_failed' })
  })

  it('requires the passphrase a link asks for, and ignores one a link does not ask for', async () => {
    const flagged = await createShare(text, { ttlSeconds: 300, maxViews: 1, passphrase: 'x' })
    await expect(prepareOpen(flagged.fragment)).rejects.toMatchObject({ code: 'bad_input' })
    await expect(prepareOpen(flagged.fragment, '')).rejects.toMatchObject({ code: 'bad_input' })

    const plain = await createShare(text, { ttlSeconds: 300, maxViews: 1 })
    const open = await prepareOpen(plain.fragment, 'not needed')
    expect(open.passphrase).toBe(false)
    expect(await open.decrypt({ ...plain.request })).toEqual(text)
  })

  it('fails to decrypt when the server reports a policy other than the sender’s', async () => {
    const { fragment, request } = await createShare(text, { ttlSeconds: 3600, maxViews: 2 })
    const open = await prepareOpen(fragment)
    await expect(open.decrypt({ ...request, maxViews: 3 })).rejects.toMatchObject({
      code: 'decrypt_failed',
    })
    await expect(open.decrypt({ ...request, ttlSeconds: 3601 })).rejects.toMatchObject({
      code: 'decrypt_failed',
    })
    expect(await open.decrypt(request)).toEqual(text)
  })

  it('promise: nothing the server receives reveals the seed, the passphrase, access or the plaintext', async () => {
    const passphrase = 'pp-c4n4ry-passphrase'
    const canary = 'c4n4ry-plaintext-0123456789'
    const { fragment, request } = await createShare(
      { kind: 'text', text: canary },
      { ttlSeconds: 300, maxViews: 1, passphrase },
    )
    const open = await prepareOpen(fragment, passphrase)
    const seed = parseFragment(fragment).seed
    const wire = JSON.stringify(request)
    for (const secret of [canary, passphrase, toB64url(seed), fragment, open.access])
      expect(wire).not.toContain(secret)
    // The plaintext's UTF-8 bytes appear nowhere in the sealed bytes either.
    const needle = utf8Encode(canary)
    const sealed = fromB64url(request.ciphertext)
    const found = sealed.some((_, i) => needle.every((b, j) => sealed[i + j] === b))
    expect(found).toBe(false)
  })
})
