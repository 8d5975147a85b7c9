/** @module HTTP tests of the instance policy and the administrators' API: each setting on and off, 403 for non-admins, disabled accounts, invites, the admin audit. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type {
  AdminAuditResponse,
  AdminPolicyResponse,
  AdminUsersResponse,
  CreateInviteResponse,
  InstancePolicy,
  InvitesResponse,
  LoginResponse,
  PublicPolicy,
} from '@secretsentry/contract/types'
import {
  TEST_BACKEND,
  jsonInit,
  makeTestApp,
  shareFixture,
  type TestApp,
} from '../test/test-app.ts'
import {
  as,
  createSecret,
  errorOf,
  registerBody,
  registerUser,
  type TestUser,
} from '../test/vault-fixtures.ts'
import { POLICY_CACHE_MS } from './policy.ts'
import { setGrantedAdmin } from './admin.service.ts'

let t: TestApp
let root: TestUser
beforeEach(async () => {
  t = await makeTestApp({ config: { adminUsers: ['root'], maxSecretBytes: 65536 } })
  root = await registerUser(t, 'root')
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
})

const DEFAULTS: InstancePolicy = {
  registration: 'open',
  anonymousShares: true,
  maxShareBytes: 65536,
  maxExpirySeconds: 30 * 86400,
  receiptEmailDomains: [],
}

const putPolicy = (user: TestUser, policy: Partial<InstancePolicy>) =>
  t.call('/api/admin/policy', jsonInit('PUT', { ...DEFAULTS, ...policy }, user.auth))

async function setPolicy(policy: Partial<InstancePolicy>) {
  const res = await putPolicy(root, policy)
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as AdminPolicyResponse
}

const publicPolicy = async (init?: RequestInit) =>
  (await (await t.call('/api/policy', init)).json()) as PublicPolicy

const register = (name: string, extra: Record<string, unknown> = {}) =>
  t.call('/api/register', jsonInit('POST', { ...registerBody(name), session: 'bearer', ...extra }))

const auditActions = async () =>
  ((await (await t.call('/api/admin/audit', as(root))).json()) as AdminAuditResponse).entries.map(
    (e) => ({ actor: e.actor, action: e.action, target: e.target }),
  )

describe('GET /api/policy', () => {
  it('gives the defaults and no viewer to an anonymous caller', async () => {
    const res = await t.call('/api/policy')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      registration: 'open',
      anonymousShares: true,
      maxShareBytes: 65536,
      maxExpirySeconds: 30 * 86400,
      receipts: { email: false, emailDomains: [] },
      viewer: null,
    })
  })

  it('names the viewer and whether it is an administrator; a dead token is just anonymous', async () => {
    expect((await publicPolicy(as(root))).viewer).toEqual({ username: 'root', admin: true })
    const bob = await registerUser(t, 'bob')
    expect((await publicPolicy(as(bob))).viewer).toEqual({ username: 'bob', admin: false })
    const dead = { headers: { authorization: `Bearer ${'A'.repeat(43)}` } }
    expect((await publicPolicy(dead)).viewer).toBeNull()
  })

  it('gives a cookie session its CSRF token', async () => {
    const res = await t.call('/api/register', jsonInit('POST', registerBody('cookie-user')))
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string
    const { csrfToken } = (await res.json()) as LoginResponse
    expect((await publicPolicy({ headers: { cookie } })).viewer).toEqual({
      username: 'cookie-user',
      admin: false,
      csrfToken,
    })
  })
})

describe('only administrators', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/admin/users'],
    ['GET', '/api/admin/policy'],
    ['PUT', '/api/admin/policy', DEFAULTS],
    ['GET', '/api/admin/invites'],
    ['POST', '/api/admin/invites', {}],
    ['DELETE', `/api/admin/invites/${'A'.repeat(22)}`],
    ['GET', '/api/admin/audit'],
    ['POST', `/api/admin/users/${'A'.repeat(22)}/disable`],
    ['POST', `/api/admin/users/${'A'.repeat(22)}/enable`],
    ['DELETE', `/api/admin/users/${'A'.repeat(22)}`],
  ]

  it.each(routes)(
    '%s %s: 403 for a non-admin, 401 without a session',
    async (method, path, body) => {
      const bob = await registerUser(t, 'bob')
      const init = (headers: Record<string, string>) =>
        body === undefined ? { method, headers } : jsonInit(method, body, headers)
      const res = await t.call(path, init(bob.auth))
      expect(res.status).toBe(403)
      expect((await errorOf(res)).code).toBe('forbidden')
      expect((await t.call(path, init({}))).status).toBe(401)
    },
  )

  it('a name in ADMIN_USERS is an administrator; a grant on the server host makes another, revoking unmakes it', async () => {
    const bob = await registerUser(t, 'bob')
    expect((await t.call('/api/admin/users', as(bob))).status).toBe(403)
    expect(await setGrantedAdmin(t.db, 'bob', true, t.clock.now)).toBe(true)
    expect((await t.call('/api/admin/users', as(bob))).status).toBe(200)
    expect(await setGrantedAdmin(t.db, 'bob', false, t.clock.now)).toBe(true)
    expect((await t.call('/api/admin/users', as(bob))).status).toBe(403)
    expect(await setGrantedAdmin(t.db, 'nobody', true, t.clock.now)).toBe(false)
    expect(await auditActions()).toEqual([
      { actor: 'server host', action: 'admin.revoked', target: 'bob' },
      { actor: 'server host', action: 'admin.granted', target: 'bob' },
    ])
  })

  it('a cookie session needs its CSRF token for admin writes', async () => {
    const res = await t.call(
      '/api/login',
      jsonInit('POST', { username: 'root', authKey: root.authKey }),
    )
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string
    const { csrfToken } = (await res.json()) as LoginResponse
    const put = (headers: Record<string, string>) =>
      t.call('/api/admin/policy', jsonInit('PUT', DEFAULTS, { cookie, ...headers }))
    expect((await put({})).status).toBe(403)
    expect((await put({ 'x-csrf-token': csrfToken })).status).toBe(200)
  })
})

describe('registration policy', () => {
  it('open: anyone registers', async () => {
    await setPolicy({ registration: 'open' })
    expect((await register('anyone')).status).toBe(201)
  })

  it('closed: 403 registration_closed, no account made; reopened: 201', async () => {
    await setPolicy({ registration: 'closed' })
    expect((await publicPolicy()).registration).toBe('closed')
    const res = await register('late')
    expect(res.status).toBe(403)
    expect((await errorOf(res)).code).toBe('registration_closed')
    expect(await t.rows("select id from users where username = 'late'")).toEqual([])
    await setPolicy({ registration: 'open' })
    expect((await register('late')).status).toBe(201)
  })

  it('invite: needs a valid invite, which registers exactly one account', async () => {
    await setPolicy({ registration: 'invite' })
    const missing = await register('guest')
    expect(missing.status).toBe(403)
    expect(await errorOf(missing)).toMatchObject({ code: 'invite_invalid', field: 'invite' })

    const created = await t.call('/api/admin/invites', jsonInit('POST', {}, root.auth))
    expect(created.status).toBe(201)
    const { token, invite } = (await created.json()) as CreateInviteResponse
    expect(invite).toMatchObject({ createdBy: 'root', status: 'active', usedBy: null })
    // Only the hash is stored.
    const stored = await t.rows<{ token_hash: Uint8Array }>('select token_hash from invites')
    expect(Buffer.from(stored[0]!.token_hash).toString('base64url')).not.toBe(token)

    const wrong = await register('guest', { invite: 'A'.repeat(43) })
    expect((await errorOf(wrong)).code).toBe('invite_invalid')
    expect((await register('guest', { invite: token })).status).toBe(201)
    const again = await register('guest2', { invite: token })
    expect(again.status).toBe(403)
    expect((await errorOf(again)).code).toBe('invite_invalid')

    const list = (await (await t.call('/api/admin/invites', as(root))).json()) as InvitesResponse
    expect(list.invites).toEqual([expect.objectContaining({ status: 'used', usedBy: 'guest' })])
  })

  it('invite: a name already taken does not spend the invite', async () => {
    await setPolicy({ registration: 'invite' })
    const { token } = (await (
      await t.call('/api/admin/invites', jsonInit('POST', {}, root.auth))
    ).json()) as CreateInviteResponse
    expect((await register('root', { invite: token })).status).toBe(409)
    expect((await register('fresh', { invite: token })).status).toBe(201)
  })

  it('invite: expired and revoked invites register nobody', async () => {
    await setPolicy({ registration: 'invite' })
    const make = async (expiresInSeconds: number) =>
      (await (
        await t.call('/api/admin/invites', jsonInit('POST', { expiresInSeconds }, root.auth))
      ).json()) as CreateInviteResponse
    const short = await make(300)
    const revoked = await make(3600)
    const del = await t.call(`/api/admin/invites/${revoked.invite.id}`, as(root, 'DELETE'))
    expect(del.status).toBe(204)
    expect(
      (await t.call(`/api/admin/invites/${revoked.invite.id}`, as(root, 'DELETE'))).status,
    ).toBe(404)
    t.clock.advance(301_000)
    expect((await errorOf(await register('late1', { invite: short.token }))).code).toBe(
      'invite_invalid',
    )
    expect((await errorOf(await register('late2', { invite: revoked.token }))).code).toBe(
      'invite_invalid',
    )
    const list = (await (await t.call('/api/admin/invites', as(root))).json()) as InvitesResponse
    expect(list.invites.map((i) => i.status).sort()).toEqual(['expired', 'revoked'])
    const bad = await t.call(
      '/api/admin/invites',
      jsonInit('POST', { expiresInSeconds: 10 }, root.auth),
    )
    expect(await errorOf(bad)).toMatchObject({ code: 'invalid_input', field: 'expiresInSeconds' })
  })
})

describe('share policy', () => {
  it('anonymous shares on: created without a session', async () => {
    await setPolicy({ anonymousShares: true })
    expect((await t.call('/api/share', jsonInit('POST', shareFixture().body))).status).toBe(201)
  })

  it('anonymous shares off: 401 login_required without a session, 201 with one; nothing stored when refused', async () => {
    await setPolicy({ anonymousShares: false })
    expect((await publicPolicy()).anonymousShares).toBe(false)
    const refused = await t.call('/api/share', jsonInit('POST', shareFixture().body))
    expect(refused.status).toBe(401)
    expect((await errorOf(refused)).code).toBe('login_required')
    expect(await t.rows('select id from shares')).toEqual([])
    const dead = await t.call(
      '/api/share',
      jsonInit('POST', shareFixture().body, { authorization: `Bearer ${'A'.repeat(43)}` }),
    )
    expect(dead.status).toBe(401)
    const bob = await registerUser(t, 'bob')
    expect(
      (await t.call('/api/share', jsonInit('POST', shareFixture().body, bob.auth))).status,
    ).toBe(201)
  })

  it('anonymous shares off: a cookie session must send its CSRF token', async () => {
    await setPolicy({ anonymousShares: false })
    const res = await t.call('/api/register', jsonInit('POST', registerBody('cookie-user')))
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string
    const { csrfToken } = (await res.json()) as LoginResponse
    const create = (headers: Record<string, string>) =>
      t.call('/api/share', jsonInit('POST', shareFixture().body, { cookie, ...headers }))
    expect((await create({})).status).toBe(403)
    expect((await create({ 'x-csrf-token': csrfToken })).status).toBe(201)
  })

  it('largest share: over the cap 413 naming ciphertext, at it 201; the cap cannot pass MAX_SECRET_BYTES', async () => {
    await setPolicy({ maxShareBytes: 2048 })
    expect((await publicPolicy()).maxShareBytes).toBe(2048)
    const over = await t.call('/api/share', jsonInit('POST', shareFixture({}, 2049).body))
    expect(over.status).toBe(413)
    expect(await errorOf(over)).toMatchObject({ code: 'payload_too_large', field: 'ciphertext' })
    expect((await t.call('/api/share', jsonInit('POST', shareFixture({}, 2048).body))).status).toBe(
      201,
    )
    await setPolicy({ maxShareBytes: 65536 })
    expect((await t.call('/api/share', jsonInit('POST', shareFixture({}, 2049).body))).status).toBe(
      201,
    )
    const tooBig = await putPolicy(root, { maxShareBytes: 65537 })
    expect(tooBig.status).toBe(400)
    expect((await errorOf(tooBig)).field).toBe('maxShareBytes')
  })

  it('longest expiry: beyond it 400 naming ttlSeconds, also for shares made from vault secrets', async () => {
    await setPolicy({ maxExpirySeconds: 3600 })
    const long = await t.call(
      '/api/share',
      jsonInit('POST', shareFixture({ ttlSeconds: 3601 }).body),
    )
    expect(long.status).toBe(400)
    expect(await errorOf(long)).toMatchObject({ code: 'invalid_input', field: 'ttlSeconds' })
    expect(
      (await t.call('/api/share', jsonInit('POST', shareFixture({ ttlSeconds: 3600 }).body)))
        .status,
    ).toBe(201)
    const { summary } = await createSecret(t, root)
    const fromVault = await t.call(
      `/api/secrets/${summary.id}/share`,
      jsonInit('POST', shareFixture({ ttlSeconds: 7200 }).body, root.auth),
    )
    expect((await errorOf(fromVault)).field).toBe('ttlSeconds')
    await setPolicy({ maxExpirySeconds: 30 * 86400 })
    expect(
      (await t.call('/api/share', jsonInit('POST', shareFixture({ ttlSeconds: 7200 }).body)))
        .status,
    ).toBe(201)
  })

  it.skipIf(TEST_BACKEND === 'sqlite')(
    'another instance on the same database follows within POLICY_CACHE_MS',
    async () => {
      const other = await makeTestApp({ sameDatabaseAs: t })
      try {
        other.clock.now = t.clock.now
        const create = () => other.call('/api/share', jsonInit('POST', shareFixture().body))
        expect((await create()).status).toBe(201)
        await setPolicy({ anonymousShares: false })
        // Its cached copy holds until it is POLICY_CACHE_MS old, then the new policy is in force.
        other.clock.advance(POLICY_CACHE_MS - 1)
        expect((await create()).status).toBe(201)
        other.clock.advance(1)
        expect((await create()).status).toBe(401)
      } finally {
        await other.close()
        await other.db.destroy()
      }
    },
  )
})

describe('receipt email domains', () => {
  it('are stored lower-cased, without duplicates, and validated', async () => {
    const saved = await setPolicy({
      receiptEmailDomains: ['Example.com', 'corp.example.org', 'example.com'],
    })
    expect(saved.policy.receiptEmailDomains).toEqual(['corp.example.org', 'example.com'])
    const cleared = await setPolicy({ receiptEmailDomains: [] })
    expect(cleared.policy.receiptEmailDomains).toEqual([])
    const bad = await putPolicy(root, { receiptEmailDomains: ['not a domain'] })
    expect(bad.status).toBe(400)
    expect((await errorOf(bad)).field).toBe('receiptEmailDomains.0')
    const unknown = await t.call(
      '/api/admin/policy',
      jsonInit('PUT', { ...DEFAULTS, extra: true }, root.auth),
    )
    expect((await errorOf(unknown)).field).toBe('extra')
  })
})

describe('accounts', () => {
  it('lists names and dates only, never keys or vault contents', async () => {
    const bob = await registerUser(t, 'bob')
    await createSecret(t, bob)
    const res = await t.call('/api/admin/users', as(root))
    const { users } = (await res.json()) as AdminUsersResponse
    expect(users.map((u) => [u.username, u.admin, u.adminVia, u.disabled])).toEqual([
      ['bob', false, null, false],
      ['root', true, 'setting', false],
    ])
    expect(users[0]!.lastLoginAt).toBe(new Date(t.clock.now).toISOString())
    expect(Object.keys(users[0]!).sort()).toEqual(
      ['admin', 'adminVia', 'createdAt', 'disabled', 'lastLoginAt', 'userId', 'username'].sort(),
    )
  })

  it('disable: sessions die at once, login refused with account_disabled (after the password only); enable lets it back in', async () => {
    const bob = await registerUser(t, 'bob')
    expect((await t.call('/api/secrets', as(bob))).status).toBe(200)
    const res = await t.call(`/api/admin/users/${bob.userId}/disable`, as(root, 'POST'))
    expect(res.status).toBe(204)
    expect((await t.call('/api/secrets', as(bob))).status).toBe(401)
    expect(
      await t.rows(
        'select token_hash from sessions where user_id = ?',
        Buffer.from(bob.userId, 'base64url'),
      ),
    ).toEqual([])
    const login = (authKey: string) =>
      t.call('/api/login', jsonInit('POST', { username: 'bob', authKey, session: 'bearer' }))
    const right = await login(bob.authKey)
    expect(right.status).toBe(403)
    expect((await errorOf(right)).code).toBe('account_disabled')
    // A wrong password learns nothing about the account's state.
    expect((await errorOf(await login('A'.repeat(43)))).code).toBe('invalid_credentials')
    const { users } = (await (
      await t.call('/api/admin/users', as(root))
    ).json()) as AdminUsersResponse
    expect(users.find((u) => u.username === 'bob')?.disabled).toBe(true)

    expect((await t.call(`/api/admin/users/${bob.userId}/enable`, as(root, 'POST'))).status).toBe(
      204,
    )
    expect((await login(bob.authKey)).status).toBe(200)
  })

  it('a disabled administrator is no administrator', async () => {
    const bob = await registerUser(t, 'bob')
    await setGrantedAdmin(t.db, 'bob', true, t.clock.now)
    await t.call(`/api/admin/users/${bob.userId}/disable`, as(root, 'POST'))
    await t.rows('update users set disabled_at = null where username = ?', 'bob')
    // Re-enabled by hand without a new session: the old ones stay dead.
    expect((await t.call('/api/admin/users', as(bob))).status).toBe(401)
  })

  it('delete removes the account, its vault, sessions, shares from its secrets and its audit trail', async () => {
    const bob = await registerUser(t, 'bob')
    const { summary } = await createSecret(t, bob)
    const share = shareFixture()
    const shared = await t.call(
      `/api/secrets/${summary.id}/share`,
      jsonInit('POST', share.body, bob.auth),
    )
    expect(shared.status).toBe(201)
    const id = Buffer.from(bob.userId, 'base64url')
    expect((await t.call(`/api/admin/users/${bob.userId}`, as(root, 'DELETE'))).status).toBe(204)
    for (const table of [
      'users',
      'sessions',
      'folders',
      'secrets',
      'vault_shares',
      'login_addresses',
      'login_clients',
      'audit',
    ]) {
      const column = table === 'users' ? 'id' : 'user_id'
      expect(await t.rows(`select 1 from ${table} where ${column} = ?`, id), table).toEqual([])
    }
    expect(await t.rows('select 1 from secret_versions')).toEqual([])
    expect(
      await t.rows('select 1 from shares where id = ?', Buffer.from(share.id, 'base64url')),
    ).toEqual([])
    expect((await t.call(`/api/admin/users/${bob.userId}`, as(root, 'DELETE'))).status).toBe(404)
    // The name is free again.
    expect((await register('bob')).status).toBe(201)
  })

  it('an administrator cannot disable or delete their own account', async () => {
    for (const [method, path] of [
      ['POST', `/api/admin/users/${root.userId}/disable`],
      ['DELETE', `/api/admin/users/${root.userId}`],
    ] as const) {
      const res = await t.call(path, as(root, method))
      expect(res.status).toBe(409)
    }
    expect((await t.call('/api/admin/users', as(root))).status).toBe(200)
  })

  it('a malformed account id is a 400 naming it', async () => {
    const res = await t.call('/api/admin/users/nope/disable', as(root, 'POST'))
    expect(res.status).toBe(400)
    expect((await errorOf(res)).field).toBe('id')
  })
})

describe('admin audit', () => {
  it('records who did what to whom, newest first, and pages', async () => {
    const bob = await registerUser(t, 'bob')
    await setPolicy({ registration: 'closed', anonymousShares: false })
    const { invite } = (await (
      await t.call('/api/admin/invites', jsonInit('POST', {}, root.auth))
    ).json()) as CreateInviteResponse
    await t.call(`/api/admin/invites/${invite.id}`, as(root, 'DELETE'))
    await t.call(`/api/admin/users/${bob.userId}/disable`, as(root, 'POST'))
    await t.call(`/api/admin/users/${bob.userId}/enable`, as(root, 'POST'))
    await t.call(`/api/admin/users/${bob.userId}`, as(root, 'DELETE'))
    expect(await auditActions()).toEqual([
      { actor: 'root', action: 'user.deleted', target: 'bob' },
      { actor: 'root', action: 'user.enabled', target: 'bob' },
      { actor: 'root', action: 'user.disabled', target: 'bob' },
      { actor: 'root', action: 'invite.revoked', target: invite.id },
      { actor: 'root', action: 'invite.created', target: invite.id },
      { actor: 'root', action: 'policy.updated', target: null },
    ])
    const all = (await (await t.call('/api/admin/audit', as(root))).json()) as AdminAuditResponse
    expect(all.entries.at(-1)?.detail).toBe(
      'registration: "open" → "closed"; anonymousShares: true → false',
    )
    const page = (await (
      await t.call('/api/admin/audit?limit=4', as(root))
    ).json()) as AdminAuditResponse
    expect(page.entries).toHaveLength(4)
    const rest = (await (
      await t.call(`/api/admin/audit?limit=4&before=${page.next}`, as(root))
    ).json()) as AdminAuditResponse
    expect(rest.entries.map((e) => e.action)).toEqual(['invite.created', 'policy.updated'])
    expect(rest.next).toBeNull()
  })

  it('a refused request leaves no audit row', async () => {
    const bob = await registerUser(t, 'bob')
    await t.call('/api/admin/policy', jsonInit('PUT', DEFAULTS, bob.auth))
    await putPolicy(root, { maxExpirySeconds: 1 })
    expect(await auditActions()).toEqual([])
  })
})
