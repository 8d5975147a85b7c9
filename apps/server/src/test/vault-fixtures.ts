/** @module Test helpers for accounts and the vault: client-shaped bodies from random bytes (the server cannot check them) of realistic sizes. */
import crypto from 'node:crypto'
import { VAULT_LIMITS } from '@secretsentry/contract/limits'
import type {
  CreateSecretRequest,
  LoginResponse,
  RegisterRequest,
  SecretSummary,
} from '@secretsentry/contract/types'
import { b64url, jsonInit, type TestApp } from './test-app.ts'

export const rand = (n: number): string => b64url(crypto.randomBytes(n))
export const newId = (): string => rand(VAULT_LIMITS.idBytes)
export const wrapped = (): string => rand(VAULT_LIMITS.wrappedKeyBytes)
/** A sealed field: 0x01 || nonce(12) || ciphertext || tag(16) around `plainBytes` of JSON. */
export const sealedBlob = (plainBytes = 80): string => rand(1 + 12 + plainBytes + 16)

export const KDF = { ...VAULT_LIMITS.kdfDefaults }

export function registerBody(username: string, overrides: Partial<RegisterRequest> = {}) {
  const body: RegisterRequest = {
    username,
    kdf: KDF,
    salt: rand(16),
    authKey: rand(32),
    wrappedUserKey: wrapped(),
    folder: { id: newId(), wrappedKey: wrapped(), meta: sealedBlob(40) },
    ...overrides,
  }
  return body
}

export interface TestUser {
  username: string
  authKey: string
  folderId: string
  token: string
  userId: string
  /** Bearer auth header for this user's session. */
  auth: Record<string, string>
  /** The address it registered from: a relogin from there is no new client. */
  address: string
}

let counter = 0
/** Registers a fresh account with a bearer session; addresses differ so per-address limits stay out of the way. */
export async function registerUser(t: TestApp, name = `user${++counter}`): Promise<TestUser> {
  const body = registerBody(name, { session: 'bearer' })
  const address = `198.51.100.${counter % 250}`
  const res = await t.call('/api/register', jsonInit('POST', body), address)
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`)
  const answer = (await res.json()) as LoginResponse
  const token = answer.token as string
  return {
    username: name,
    authKey: body.authKey,
    folderId: body.folder.id,
    token,
    userId: answer.account.userId,
    auth: { authorization: `Bearer ${token}` },
    address,
  }
}

export function secretBody(folderId: string, overrides: Partial<CreateSecretRequest> = {}) {
  const body: CreateSecretRequest = {
    id: newId(),
    folderId,
    meta: { ciphertext: sealedBlob(120) },
    value: { wrappedKey: wrapped(), ciphertext: sealedBlob(48) },
    ...overrides,
  }
  return body
}

export async function createSecret(t: TestApp, user: TestUser, body = secretBody(user.folderId)) {
  const res = await t.call('/api/secrets', jsonInit('POST', body, user.auth))
  if (res.status !== 201) throw new Error(`create secret failed: ${res.status} ${await res.text()}`)
  return { body, summary: (await res.json()) as SecretSummary }
}

/** A bearer GET (or other bodiless request). */
export const as = (
  user: TestUser,
  method = 'GET',
  headers: Record<string, string> = {},
): RequestInit => ({
  method,
  headers: { ...user.auth, ...headers },
})

export const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; field?: string; message: string } }).error

/** A fresh bearer session for `user` (after the clock moved past the idle window). */
export async function relogin(t: TestApp, user: TestUser): Promise<void> {
  const res = await t.call(
    '/api/login',
    jsonInit('POST', { username: user.username, authKey: user.authKey, session: 'bearer' }),
    user.address,
  )
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  const { token } = (await res.json()) as LoginResponse
  user.token = token as string
  user.auth = { authorization: `Bearer ${token}` }
}
