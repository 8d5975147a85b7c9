/** @module GET /api/openapi.json is a valid OpenAPI 3.1 document that standard tools can validate and dereference. */
import SwaggerParser from '@apidevtools/swagger-parser'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeTestApp } from './test/test-app.ts'

let served: string
beforeAll(async () => {
  const t = await makeTestApp()
  const res = await t.call('/api/openapi.json')
  expect(res.status).toBe(200)
  served = await res.text()
  await t.close()
  await t.db.destroy()
})

/** A fresh copy each time: the parser resolves refs in place. */
const doc = () => JSON.parse(served) as Parameters<typeof SwaggerParser.validate>[0]

describe('the served OpenAPI document', () => {
  it('passes @apidevtools/swagger-parser validate()', async () => {
    await expect(SwaggerParser.validate(doc())).resolves.toMatchObject({ openapi: '3.1.0' })
  })

  it('dereferences: every $ref resolves, none is left', async () => {
    const resolved = await SwaggerParser.dereference(doc())
    expect(JSON.stringify(resolved)).not.toContain('"$ref"')
    const body = (resolved.paths?.['/api/share']?.post as { requestBody: unknown }).requestBody as {
      content: {
        'application/json': { schema: { required: string[]; additionalProperties: unknown } }
      }
    }
    const schema = body.content['application/json'].schema
    expect(schema.required.sort()).toEqual([
      'ciphertext',
      'id',
      'maxViews',
      'ttlSeconds',
      'verifier',
    ])
    expect(schema.additionalProperties).toBe(false)
  })

  it('names shared schemas once, under components.schemas, and refers to them there', () => {
    const parsed = JSON.parse(served) as { components: { schemas: Record<string, unknown> } }
    const refs = [...served.matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1] as string)
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of refs) expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z]+$/)
    expect(served).not.toContain('$defs')
    expect(Object.keys(parsed.components.schemas)).toEqual(
      expect.arrayContaining(['CreateShareRequest', 'Error', 'RegisterRequest', 'SecretSummary']),
    )
  })
})
