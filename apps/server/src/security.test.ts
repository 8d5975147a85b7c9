/** @module SPEC §6 promises: no secret material in the database, audit rows or logs; no 500 and no change for any bad input. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  b64url,
  createOk,
  jsonInit,
  makeTestApp,
  openInit,
  shareFixture,
  type TestApp,
} from './test/test-app.ts'
import { prng } from './test/prng.ts'

let dir: string
let t: TestApp
const ADDRESS = '203.0.113.77'

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-sec-'))
  t = await makeTestApp({ file: path.join(dir, 'secretsentry.db'), config: { staticDir: dir } })
})
afterEach(async () => {
  await t.close()
  await t.db.destroy()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Every spelling in which a value could have been stored. */
function spellings(value: string | Buffer): string[] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64url') : value
  return [bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('hex')]
}

/** Every cell of every table, as text (blobs in hex, base64 and as raw bytes read as latin1). */
async function everyCell(): Promise<string> {
  const tables = (await t.rows(
    t.backend.dialect === 'postgres'
      ? 'select table_name as name from information_schema.tables where table_schema = current_schema()'
      : "select name from sqlite_master where type = 'table'",
  )) as {
    name: string
  }[]
  const cells: string[] = []
  for (const { name } of tables) {
    for (const row of (await t.rows(`select * from "${name}"`)) as Record<string, unknown>[]) {
      for (const value of Object.values(row)) {
        if (Buffer.isBuffer(value))
          cells.push(value.toString('hex'), value.toString('base64'), value.toString('latin1'))
        else cells.push(String(value))
      }
    }
  }
  return cells.join('\n')
}

function expectAbsent(haystack: string, secrets: Record<string, string[]>) {
  for (const [what, forms] of Object.entries(secrets)) {
    for (const form of forms)
      expect(haystack.includes(form), `${what} (${form.slice(0, 12)}…) found`).toBe(false)
  }
}

async function runFlow() {
  const a = shareFixture({ maxViews: 2 })
  const b = shareFixture()
  const createdA = await createOk(t, a, ADDRESS)
  const createdB = await createOk(t, b, ADDRESS)
  await t.call(`/api/share/${a.id}/open`, openInit(b64url(crypto.randomBytes(32))), ADDRESS)
  await t.call(`/api/share/${a.id}/open`, openInit(a.access), ADDRESS)
  await t.call(
    `/api/share/${a.id}/status`,
    { headers: { authorization: `Bearer ${createdA.manageToken}` } },
    ADDRESS,
  )
  return { a, b, createdA, createdB }
}

describe('no secret material at rest', () => {
  it('audit rows contain no secret material (access, token, ciphertext, raw address) in any column of any table', async () => {
    const { a, b, createdA, createdB } = await runFlow()
    const secrets = {
      access: [...spellings(a.access), ...spellings(b.access)],
      manageToken: [...spellings(createdA.manageToken), ...spellings(createdB.manageToken)],
      address: [ADDRESS],
    }
    // While the shares live: only the ciphertext itself is stored, nothing else secret.
    expectAbsent(await everyCell(), secrets)
    const auditText = JSON.stringify(await t.rows('select * from audit'), (_k, v: unknown) =>
      v && typeof v === 'object' && 'type' in v && (v as { type: string }).type === 'Buffer'
        ? '<blob>'
        : v,
    )
    expectAbsent(auditText, { ciphertext: [a.ciphertext.slice(0, 64), b.ciphertext.slice(0, 64)] })
    expect(await t.rows('select distinct client_hash from audit')).toEqual([
      { client_hash: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ])

    // After the last views and a delete, no ciphertext is left in any table.
    await t.call(`/api/share/${a.id}/open`, openInit(a.access), ADDRESS)
    await t.call(
      `/api/share/${b.id}`,
      { method: 'DELETE', headers: { authorization: `Bearer ${b.access}` } },
      ADDRESS,
    )
    expect((await t.rows('select count(*) as n from shares'))[0]).toEqual({ n: 0 })
    expectAbsent(await everyCell(), {
      ...secrets,
      ciphertext: [
        a.ciphertext.slice(0, 64),
        b.ciphertext.slice(0, 64),
        spellings(a.ciphertext)[2]!.slice(0, 64),
      ],
    })
  })

  it('burned ciphertext is overwritten in the database file (secure_delete), not just unlinked', async () => {
    const f = shareFixture({}, 2048)
    await createOk(t, f)
    t.sqlite.pragma('wal_checkpoint(TRUNCATE)')
    const needle = Buffer.from(f.ciphertext, 'base64url').subarray(100, 164)
    const file = path.join(dir, 'secretsentry.db')
    expect(fs.readFileSync(file).includes(needle)).toBe(true)
    await t.call(`/api/share/${f.id}/open`, openInit(f.access))
    t.sqlite.pragma('wal_checkpoint(TRUNCATE)')
    expect(fs.readFileSync(file).includes(needle)).toBe(false)
  })

  it('the database file and its WAL never hold the access value, the manage token or the raw address', async () => {
    const { a, b, createdA } = await runFlow()
    const bytes = Buffer.concat(
      fs
        .readdirSync(dir)
        .filter((n) => n.startsWith('secretsentry.db'))
        .map((n) => fs.readFileSync(path.join(dir, n))),
    )
    for (const secret of [a.access, b.access, createdA.manageToken]) {
      const raw = Buffer.from(secret, 'base64url')
      expect(bytes.includes(raw)).toBe(false)
      expect(bytes.includes(Buffer.from(secret))).toBe(false)
    }
    expect(bytes.includes(Buffer.from(ADDRESS))).toBe(false)
  })

  it('log lines hold no secret material', async () => {
    const { a, b, createdA } = await runFlow()
    await t.call('/api/share', jsonInit('POST', `{"ciphertext":"${a.ciphertext}`), ADDRESS)
    await t.call(`/api/share/${a.id}/open?access=${a.access}`, openInit(a.access), ADDRESS)
    await t.logger.close()
    const text = t.logs.text()
    expect(text.split('\n').filter(Boolean).length).toBeGreaterThan(5)
    expectAbsent(text, {
      access: [...spellings(a.access), ...spellings(b.access)],
      manageToken: spellings(createdA.manageToken),
      ciphertext: [a.ciphertext.slice(0, 40), b.ciphertext.slice(0, 40)],
      verifier: [a.verifier, b.verifier],
      shareId: [a.id, b.id],
      address: [ADDRESS],
    })
  })
})

describe('fuzz', () => {
  it('garbage bodies, headers and paths on every route: never a 500, nothing changed', async () => {
    const live = shareFixture({ maxViews: 3 })
    const { manageToken } = await createOk(t, live)
    const snapshot = async () => JSON.stringify([await everyCell()])
    const before = await snapshot()
    const r = prng(20261123)

    const strings = [
      '',
      ' ',
      'null',
      '{}',
      '[]',
      '\u0000',
      '\ud800',
      '😀'.repeat(50),
      'a'.repeat(5000),
      '%',
      '../..',
      '=',
    ]
    const values: unknown[] = [
      null,
      true,
      0,
      -1,
      1e308,
      2 ** 53 + 1,
      3.5,
      'x',
      [],
      {},
      [1, 2],
      { a: { b: {} } },
      ...strings,
    ]
    const garbageValue = (): unknown =>
      r.next() < 0.5 ? r.pick(values) : crypto.randomBytes(r.int(64)).toString('latin1')
    const mutate = (obj: Record<string, unknown>) => {
      const copy: Record<string, unknown> = { ...obj }
      const keys = Object.keys(copy)
      const choice = r.int(4)
      if (choice === 0) copy[r.pick(keys)] = garbageValue()
      else if (choice === 1) delete copy[r.pick(keys)]
      else if (choice === 2)
        copy[r.pick(['__proto__', 'constructor', 'extra', ''])] = garbageValue()
      else copy[r.pick(keys)] = `${String(copy[r.pick(keys)])}${r.pick(['=', '!', ' ', '+/', 'A'])}`
      return copy
    }
    const body = (valid: Record<string, unknown>): string | Uint8Array => {
      const kind = r.int(5)
      if (kind === 0) return crypto.randomBytes(r.int(300))
      if (kind === 1) return JSON.stringify(garbageValue())
      if (kind === 2) return JSON.stringify(valid).slice(0, r.int(JSON.stringify(valid).length))
      return JSON.stringify(mutate(valid))
    }
    const contentTypes = [
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      '',
      'application/json;;',
      'multipart/form-data; boundary=x',
      '*/*',
    ]
    const auths = [
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${manageToken.slice(1)}`,
      `Bearer ${manageToken}=`,
      'Basic abc',
      `bearer ${'*'.repeat(43)}`,
      'Bearer ' + 'A'.repeat(5000),
    ]
    const ids = [
      live.id,
      'x',
      '',
      '..',
      '%2e%2e',
      'A'.repeat(23),
      'A'.repeat(2000),
      '%00',
      '😀',
      `${live.id}=`,
      live.id.slice(1),
    ]
    const createValid = { ...shareFixture().body }

    let sent = 0
    for (let i = 0; i < 600; i++) {
      const id = r.pick(ids)
      const route = r.int(9)
      const headers: Record<string, string> = {}
      const ct = r.pick(contentTypes)
      if (ct) headers['content-type'] = ct
      const auth = r.pick(auths)
      if (auth) headers['authorization'] = auth
      if (r.next() < 0.2)
        headers['x-forwarded-for'] = r.pick(['', ',', 'garbage', '999.1.1.1', '1.1.1.1, ::ffff:zz'])
      if (r.next() < 0.1) headers['content-length'] = r.pick(['0', '1', '99999999999', '5'])
      let url: string
      let init: RequestInit
      switch (route) {
        case 0:
          url = '/api/share'
          init = { method: 'POST', headers, body: body(createValid) }
          break
        case 1:
          url = `/api/share/${id}/open`
          init = { method: 'POST', headers, body: body({ access: live.access.slice(0, 42) + '!' }) }
          break
        case 2:
          url = `/api/share/${id}/status`
          init = { method: r.pick(['GET', 'HEAD']), headers }
          break
        case 3:
          url = `/api/share/${id}`
          init = { method: 'DELETE', headers }
          break
        case 4:
          url = r.pick([
            '/s',
            '/s/',
            '/',
            '/links',
            '/assets/x.js',
            '/assets/%2e%2e/x',
            '/%ff',
            '/a/b/c.d',
            '/.env',
          ])
          init = { method: r.pick(['GET', 'HEAD', 'POST', 'PUT']), headers }
          break
        case 5:
          url = r.pick(['/healthz', '/readyz', '/metrics', '/api/openapi.json'])
          init = { method: r.pick(['GET', 'HEAD', 'POST']), headers }
          break
        case 6:
          url = `/api/share/${id}/open`
          init = { method: r.pick(['GET', 'PUT', 'PATCH', 'OPTIONS']), headers }
          break
        case 7:
          url = `/api/${crypto.randomBytes(r.int(20)).toString('hex')}?${r.pick(['a=1', 'access=' + live.access, '%'])}`
          init = { method: 'POST', headers, body: body({}) }
          break
        default:
          url = `/api/share/${id}/open`
          init = { method: 'POST', headers, body: body({ access: live.access.slice(0, 10) }) }
      }
      let request: Request
      try {
        request = new Request(new URL(url, 'http://127.0.0.1'), init)
      } catch {
        continue // Not even sendable (e.g. a body on GET); the server never sees it.
      }
      const res = await t.app.request(request, undefined, {
        incoming: { socket: { remoteAddress: '192.0.2.200' } },
      })
      sent++
      expect(res.status, `${init.method} ${url} ${JSON.stringify(headers)}`).toBeLessThan(500)
      await res.arrayBuffer()
    }
    expect(sent).toBeGreaterThan(400)
    expect(await snapshot()).toBe(before)
    // The live share is still intact and opens with its real access value.
    expect((await t.call(`/api/share/${live.id}/open`, openInit(live.access))).status).toBe(200)
  })
})
