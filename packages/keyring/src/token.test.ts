import { describe, expect, it } from 'vitest'
import { fromB64url, toB64url } from '@secretsentry/envelope/internal'
import { KeyringError } from './errors.ts'
import { newId, newKey } from './kdf.ts'
import {
  TOKEN_LENGTH,
  createServiceToken,
  deriveTokenKeys,
  formatToken,
  grantFolder,
  openGrant,
  openTokenMeta,
  parseToken,
  pathIsWithin,
  sealTokenMeta,
  tokenVerifier,
  tokenVerifierMatches,
  unlockServiceToken,
  unwrapTokenKey,
} from './token.ts'
import { createFolder, openFolderMeta, sealFolderMeta } from './vault.ts'

const META = { path: '/app/production' }

const codeOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    return e instanceof KeyringError ? e.code : String(e)
  }
  return 'no error'
}

const messageOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
  return ''
}

describe('service token text', () => {
  it('formats as sst_ + 22-char id + _ + 43-char secret and parses back', () => {
    const token = { id: newId(), secret: newKey() }
    const text = formatToken(token)
    expect(text).toHaveLength(TOKEN_LENGTH)
    expect(text).toMatch(/^sst_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/)
    expect(parseToken(text)).toEqual(token)
  })

  it('parses by position, so "_" and "-" inside the id or secret are not separators', () => {
    const id = toB64url(new Uint8Array(16).fill(0xff)).slice(0, 21) + 'w' // "____…_w"
    const secret = new Uint8Array(32).fill(0xfb) // base64url "-_-_…"
    const text = formatToken({ id, secret })
    expect(text.slice(4)).toMatch(/^_{21}w_[-_]/)
    expect(parseToken(text)).toEqual({ id, secret })
  })

  it('refuses anything else with bad_token, and never echoes the text', () => {
    const good = formatToken({ id: newId(), secret: newKey() })
    const secretPart = good.slice(27)
    const bad: [string, string][] = [
      ['empty', ''],
      ['no prefix', good.slice(4)],
      ['upper-case prefix', `SST_${good.slice(4)}`],
      ['other prefix', `ssx_${good.slice(4)}`],
      ['one char short', good.slice(0, -1)],
      ['one char long', `${good}A`],
      ['trailing newline', `${good}\n`],
      ['leading space', ` ${good.slice(0, -1)}`],
      ['separator replaced', `${good.slice(0, 26)}.${good.slice(27)}`],
      ['"+" in the secret', `${good.slice(0, 27)}+${good.slice(28)}`],
      ['"=" at the end', `${good.slice(0, -1)}=`],
      ['non-ASCII in the id', `sst_é${good.slice(5)}`],
      ['non-canonical id end', `sst_${'A'.repeat(21)}B_${secretPart}`],
      ['non-canonical secret end', `${good.slice(0, 27)}${'A'.repeat(42)}B`],
    ]
    for (const [what, text] of bad) {
      expect(
        codeOf(() => parseToken(text)),
        what,
      ).toBe('bad_token')
      if (text.length > 8)
        expect(
          messageOf(() => parseToken(text)),
          what,
        ).not.toContain(text.slice(4, 30))
    }
    expect(codeOf(() => parseToken(undefined as unknown as string))).toBe('bad_input')
  })
})

describe('token keys', () => {
  it('authKey, wrapKey and verifier are distinct 32-byte values; the verifier matches only its authKey', () => {
    const k = deriveTokenKeys({ id: newId(), secret: newKey() })
    const v = tokenVerifier(k.authKey)
    expect([k.authKey, k.wrapKey, v].map((x) => x.length)).toEqual([32, 32, 32])
    expect(new Set([k.authKey, k.wrapKey, v].map(toB64url)).size).toBe(3)
    expect(tokenVerifierMatches(v, k.authKey)).toBe(true)
    expect(tokenVerifierMatches(v, k.wrapKey)).toBe(false)
    const flipped = k.authKey.slice()
    flipped[31]! ^= 1
    expect(tokenVerifierMatches(v, flipped)).toBe(false)
  })

  it('the same secret under another id derives other keys (the id is bound into both infos)', () => {
    const secret = newKey()
    const a = deriveTokenKeys({ id: newId(), secret })
    const b = deriveTokenKeys({ id: newId(), secret })
    expect(toB64url(a.authKey)).not.toBe(toB64url(b.authKey))
    expect(toB64url(a.wrapKey)).not.toBe(toB64url(b.wrapKey))
  })
})

describe('createServiceToken and grants', () => {
  const userKey = newKey()
  const root = createFolder(userKey, { name: 'production', path: '/app/production' })
  const sub = createFolder(userKey, { name: 'db', path: '/app/production/db' })
  const other = createFolder(userKey, { name: 'staging', path: '/app/staging' })

  it('the token holder opens exactly the granted folders, and with them their metadata', () => {
    const t = createServiceToken(userKey, root, [sub], { path: '/app/production' })
    expect(t.text).toHaveLength(TOKEN_LENGTH)
    expect(t.grants.map((g) => [g.folderId, g.role])).toEqual([
      [root.id, 'root'],
      [sub.id, 'subfolder'],
    ])
    const holder = unlockServiceToken(t.text)
    expect(holder.id).toBe(t.id)
    expect(tokenVerifierMatches(fromB64url(t.verifier), fromB64url(holder.authKey))).toBe(true)
    const opened = t.grants.map((g) => openGrant(holder.wrapKey, holder.id, g))
    expect(opened.map((g) => toB64url(g.key))).toEqual([toB64url(root.key), toB64url(sub.key)])
    expect(openFolderMeta(opened[1]!.key, sub.id, sub.meta).path).toBe('/app/production/db')
  })

  it('a grant for folder A cannot be opened as folder B, as another role, or by another token', () => {
    const t = createServiceToken(userKey, root, [sub], { path: '/app/production' })
    const u = createServiceToken(userKey, other, [], { path: '/other' })
    const holder = unlockServiceToken(t.text)
    const intruder = unlockServiceToken(u.text)
    const [rootGrant, subGrant] = t.grants as [(typeof t.grants)[0], (typeof t.grants)[0]]
    const attempts: [string, () => unknown][] = [
      ['A as B', () => openGrant(holder.wrapKey, holder.id, { ...rootGrant, folderId: other.id })],
      [
        'subfolder as root',
        () => openGrant(holder.wrapKey, holder.id, { ...subGrant, role: 'root' }),
      ],
      [
        'root as subfolder',
        () => openGrant(holder.wrapKey, holder.id, { ...rootGrant, role: 'subfolder' }),
      ],
      ['under token U', () => openGrant(intruder.wrapKey, intruder.id, rootGrant)],
      ['U key, T id', () => openGrant(intruder.wrapKey, holder.id, rootGrant)],
      ['T key, U id', () => openGrant(holder.wrapKey, intruder.id, rootGrant)],
      ['with the authKey', () => openGrant(fromB64url(holder.authKey), holder.id, rootGrant)],
      ['with the verifier', () => openGrant(fromB64url(t.verifier), holder.id, rootGrant)],
      ['with userKey', () => openGrant(userKey, holder.id, rootGrant)],
    ]
    for (const [what, fn] of attempts) expect(codeOf(fn), what).toBe('decrypt_failed')
  })

  it('the owner can unwrap the token key and grant a folder created later', () => {
    const t = createServiceToken(userKey, root, [], { path: '' })
    const wrapKey = unwrapTokenKey(userKey, t.id, t.ownerWrappedKey)
    const later = createFolder(userKey, { name: 'cache', path: '/app/production/cache' })
    const grant = grantFolder(wrapKey, t.id, later, 'subfolder')
    const holder = unlockServiceToken(t.text)
    expect(toB64url(openGrant(holder.wrapKey, t.id, grant).key)).toBe(toB64url(later.key))
    expect(codeOf(() => unwrapTokenKey(newKey(), t.id, t.ownerWrappedKey))).toBe('decrypt_failed')
    expect(codeOf(() => unwrapTokenKey(userKey, newId(), t.ownerWrappedKey))).toBe('decrypt_failed')
  })

  it('refuses a subfolder list that repeats the root or a folder', () => {
    expect(codeOf(() => createServiceToken(userKey, root, [root], META))).toBe('bad_input')
    expect(codeOf(() => createServiceToken(userKey, root, [sub, sub], META))).toBe('bad_input')
  })

  it('never returns the secret, wrapKey or the root path in clear in what goes to the server', () => {
    const t = createServiceToken(userKey, root, [sub], { path: '/app/production' })
    const secretPart = t.text.slice(27)
    const holder = unlockServiceToken(t.text)
    const toServer = JSON.stringify({
      id: t.id,
      verifier: t.verifier,
      ownerWrappedKey: t.ownerWrappedKey,
      meta: t.meta,
      grants: t.grants,
    })
    expect(toServer).not.toContain(secretPart)
    expect(toServer).not.toContain(toB64url(holder.wrapKey))
    expect(toServer).not.toContain(holder.authKey)
    expect(toServer).not.toContain('production')
  })
})

describe('token meta (the root path, sealed under wrapKey)', () => {
  const userKey = newKey()
  const root = createFolder(userKey, { name: 'production', path: '' })

  it('the holder opens the root path; the owner opens it through ownerWrappedKey and can seal it again', () => {
    const t = createServiceToken(userKey, root, [], META)
    const holder = unlockServiceToken(t.text)
    expect(openTokenMeta(holder.wrapKey, t.id, t.meta)).toEqual(META)
    const ownerKey = unwrapTokenKey(userKey, t.id, t.ownerWrappedKey)
    expect(openTokenMeta(ownerKey, t.id, t.meta)).toEqual(META)
    const moved = sealTokenMeta(ownerKey, t.id, { path: '/service/production' })
    expect(openTokenMeta(holder.wrapKey, t.id, moved)).toEqual({ path: '/service/production' })
    expect(
      openTokenMeta(holder.wrapKey, t.id, sealTokenMeta(ownerKey, t.id, { path: '' })),
    ).toEqual({ path: '' })
  })

  it('fails as another token’s, under another key, or as folder metadata; a bad path seals nothing', () => {
    const t = createServiceToken(userKey, root, [], META)
    const u = createServiceToken(userKey, root, [], { path: '/other' })
    const kt = unlockServiceToken(t.text)
    const ku = unlockServiceToken(u.text)
    const attempts: [string, () => unknown][] = [
      ['U’s meta as T’s', () => openTokenMeta(kt.wrapKey, t.id, u.meta)],
      ['T’s meta under U', () => openTokenMeta(ku.wrapKey, u.id, t.meta)],
      ['T key, U id', () => openTokenMeta(kt.wrapKey, u.id, t.meta)],
      ['with the authKey', () => openTokenMeta(fromB64url(kt.authKey), t.id, t.meta)],
      ['with userKey', () => openTokenMeta(userKey, t.id, t.meta)],
      ['as folder meta', () => openFolderMeta(kt.wrapKey, t.id, t.meta)],
      [
        'folder meta as token meta',
        () =>
          openTokenMeta(
            root.key,
            root.id,
            sealFolderMeta(root.key, root.id, { name: 'x', path: '' }),
          ),
      ],
    ]
    for (const [what, fn] of attempts) expect(codeOf(fn), what).toBe('decrypt_failed')
    expect(codeOf(() => createServiceToken(userKey, root, [], { path: 'app' }))).toBe('bad_input')
    expect(codeOf(() => createServiceToken(userKey, root, [], { path: '/a/../b' }))).toBe(
      'bad_input',
    )
    expect(codeOf(() => sealTokenMeta(kt.wrapKey, t.id, { path: '/x/' }))).toBe('bad_input')
  })
})

describe('pathIsWithin', () => {
  it('compares whole segments', () => {
    expect(pathIsWithin('/app/production', '/app/production')).toBe(true)
    expect(pathIsWithin('/app/production/db', '/app/production')).toBe(true)
    expect(pathIsWithin('/app/productionx', '/app/production')).toBe(false)
    expect(pathIsWithin('/app', '/app/production')).toBe(false)
    expect(pathIsWithin('/anything', '')).toBe(true)
  })
})
