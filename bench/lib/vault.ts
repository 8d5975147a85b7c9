/** @module Vault figures for the README: login (prelogin, Argon2id, login, unwrap) and listing a vault of many secrets, as a client does them. */
import {
  KDF_DEFAULTS,
  assertKdfParams,
  createAccount,
  createSecret,
  deriveAccountKeys,
  openFolder,
  openSecretMeta,
  unwrapUserKey,
  type KdfParams,
} from '@secretsentry/keyring'
import { fromB64url, toB64url } from '@secretsentry/envelope'
import { chromiumAvailable, measureVaultLogin, type VaultLoginFigures } from './browser.ts'
import { summarize, type Summary } from './stats.ts'

export interface VaultFigures {
  secrets: number
  kdf: KdfParams
  /** Prelogin + Argon2id + HKDF + POST /api/login + unwrap userKey, in Node. */
  login: Summary
  /** The HTTP part of a login alone (POST /api/login: the server's scrypt check). */
  loginRequest: Summary
  /** GET /api/secrets with `secrets` entries, then folder unwrap and every metadata record opened. */
  list: Summary
  /** GET /api/secrets alone. */
  listRequest: Summary
  listBytes: number
  /** The same account logged in through the real web app in Chromium (null without Chromium). */
  browser: VaultLoginFigures | null
}

async function json(res: Response, expected: number, what: string): Promise<unknown> {
  const text = await res.text()
  if (res.status !== expected) throw new Error(`${what}: ${res.status} ${text.slice(0, 200)}`)
  return text === '' ? undefined : (JSON.parse(text) as unknown)
}

const post = (origin: string, path: string, body: unknown, token?: string): Promise<Response> =>
  fetch(`${origin}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'secretsentry-bench',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })

/** Registers an account and stores `count` secrets in its first folder, a few requests at a time. */
export async function seedVault(
  origin: string,
  count: number,
): Promise<{ username: string; password: string; token: string }> {
  const username = `bench-${Date.now().toString(36)}`
  const password = 'correct horse battery staple bench'
  const account = await createAccount(password, KDF_DEFAULTS)
  const registered = (await json(
    await post(origin, '/api/register', {
      username,
      kdf: account.kdf,
      salt: account.salt,
      authKey: account.authKey,
      wrappedUserKey: account.wrappedUserKey,
      folder: {
        id: account.folder.id,
        wrappedKey: account.folder.wrappedKey,
        meta: account.folder.meta,
      },
      session: 'bearer',
    }),
    201,
    'register',
  )) as { token: string }
  const folder = { id: account.folder.id, key: account.folder.key }
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      const secret = createSecret(
        folder,
        {
          name: `service-${i} API key`,
          description: `Key number ${i} for the bench`,
          tags: ['bench', i % 2 ? 'odd' : 'even'],
          path: `/bench/${i % 10}`,
        },
        { value: `sk_live_${i.toString(16).padStart(40, '0')}` },
      )
      await json(await post(origin, '/api/secrets', secret, registered.token), 201, 'seed secret')
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return { username, password, token: registered.token }
}

export async function measureVault(
  origin: string,
  options: { secrets: number; samples: number; browser: boolean },
): Promise<VaultFigures> {
  const acct = await seedVault(origin, options.secrets)
  const login: number[] = []
  const loginRequest: number[] = []
  const list: number[] = []
  const listRequest: number[] = []
  let listBytes = 0
  let kdf: KdfParams = KDF_DEFAULTS
  for (let i = 0; i < options.samples; i++) {
    const began = performance.now()
    const pre = (await json(
      await post(origin, '/api/prelogin', { username: acct.username }),
      200,
      'prelogin',
    )) as { kdf: KdfParams; salt: string }
    kdf = assertKdfParams(pre.kdf)
    const keys = await deriveAccountKeys(acct.password, fromB64url(pre.salt), kdf)
    const requestBegan = performance.now()
    const session = (await json(
      await post(origin, '/api/login', {
        username: acct.username,
        authKey: toB64url(keys.authKey),
        session: 'bearer',
      }),
      200,
      'login',
    )) as { token: string; account: { wrappedUserKey: string } }
    const userKey = unwrapUserKey(keys.kek, session.account.wrappedUserKey)
    loginRequest.push(performance.now() - requestBegan)
    login.push(performance.now() - began)

    const listBegan = performance.now()
    const res = await fetch(`${origin}/api/secrets`, {
      headers: { authorization: `Bearer ${session.token}` },
    })
    const body = await res.text()
    listRequest.push(performance.now() - listBegan)
    if (res.status !== 200) throw new Error(`list: ${res.status}`)
    listBytes = Buffer.byteLength(body)
    const { secrets } = JSON.parse(body) as {
      secrets: { id: string; folderId: string; meta: { revision: number; ciphertext: string } }[]
    }
    const folders = (await json(
      await fetch(`${origin}/api/folders`, {
        headers: { authorization: `Bearer ${session.token}` },
      }),
      200,
      'folders',
    )) as { folders: { id: string; wrappedKey: string; meta: string }[] }
    const folderKeys = new Map(folders.folders.map((f) => [f.id, openFolder(userKey, f).key]))
    for (const s of secrets) {
      openSecretMeta(
        folderKeys.get(s.folderId) as Uint8Array,
        s.id,
        s.meta.revision,
        s.meta.ciphertext,
      )
    }
    list.push(performance.now() - listBegan)
    if (secrets.length !== options.secrets) {
      throw new Error(`list returned ${secrets.length} secrets, expected ${options.secrets}`)
    }
  }
  const browser =
    options.browser && chromiumAvailable()
      ? await measureVaultLogin(origin, acct, options.samples)
      : null
  return {
    secrets: options.secrets,
    browser,
    kdf,
    login: summarize(login),
    loginRequest: summarize(loginRequest),
    list: summarize(list),
    listRequest: summarize(listRequest),
    listBytes,
  }
}
