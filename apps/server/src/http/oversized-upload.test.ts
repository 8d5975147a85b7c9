/**
 * @module An oversized upload gets its 413 in every client (Node http, undici fetch, curl), from
 * just over the limit to 100 MiB, declared or chunked. The clients run on their own event loop (a
 * worker thread, or curl), as a script or CLI would: sharing the server's loop hides the race
 * between the server closing and the client still sending.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { startServer, type RunningServer } from '../server.ts'

const MiB = 1_048_576

interface Answer {
  status?: number
  body?: string
  error?: string
}

/**
 * Runs in a worker: POSTs `size` bytes of 'A' (generated in 64 KiB chunks, never held whole) with
 * Node http or fetch, declared with Content-Length or chunked, and reports what came back.
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads')
const http = require('node:http')
const { Readable } = require('node:stream')
const { url, size, client, chunked } = workerData
function* chunks() {
  const chunk = Buffer.alloc(65536, 'A')
  for (let left = size; left > 0; left -= chunk.length)
    yield left >= chunk.length ? chunk : chunk.subarray(0, left)
}
const headers = { 'content-type': 'application/json' }
if (!chunked) headers['content-length'] = String(size)
const done = (answer) => parentPort.postMessage(answer)
const describe = (err) => String(err && ((err.cause && err.cause.code) || err.code || err.message))
if (client === 'http') {
  const req = http.request(url, { method: 'POST', headers }, (res) => {
    let body = ''
    res.setEncoding('utf8')
    res.on('data', (d) => (body += d))
    res.on('end', () => done({ status: res.statusCode, body }))
    res.on('error', (err) => done({ error: describe(err) }))
  })
  req.on('error', (err) => done({ error: describe(err) }))
  Readable.from(chunks()).pipe(req)
} else {
  fetch(url, { method: 'POST', headers, body: Readable.toWeb(Readable.from(chunks())), duplex: 'half' })
    .then(async (res) => done({ status: res.status, body: await res.text() }))
    .catch((err) => done({ error: describe(err) }))
}
`

function nodeClient(
  client: 'http' | 'fetch',
  url: string,
  size: number,
  chunked: boolean,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, { eval: true, workerData: { url, size, client, chunked } })
    worker.once('message', (answer: Answer) => {
      resolve(answer)
      void worker.terminate()
    })
    worker.once('error', reject)
  })
}

const hasCurl = spawnSync('curl', ['--version']).status === 0

/** curl uploading a sparse file of `size` bytes (-T: streamed, Content-Length or chunked). */
function curlClient(url: string, file: string, chunked: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const args = ['-sS', '-X', 'POST', '-H', 'content-type: application/json']
    if (chunked) args.push('-H', 'transfer-encoding: chunked')
    args.push('-T', file, '-w', '\n%{http_code}', url)
    const curl = spawn('curl', args)
    let out = ''
    let err = ''
    curl.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    curl.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    curl.on('error', reject)
    curl.on('close', (code) => {
      const at = out.lastIndexOf('\n')
      if (code !== 0) return resolve({ error: `curl exit ${code}: ${err.trim()}` })
      resolve({ status: Number(out.slice(at + 1)), body: out.slice(0, at) })
    })
  })
}

let running: RunningServer
let dir: string
let endpoint: string
let limit: number

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-upload-'))
  running = await startServer(
    testConfig({ dataDir: dir, port: 0, host: '127.0.0.1', maxSecretBytes: MiB }),
    { logger: createLogger({ level: 'silent' }), announce: () => {} },
  )
  await running.ready
  endpoint = `${running.url}/api/share`
})
afterAll(async () => {
  await running.stop('test end')
  fs.rmSync(dir, { recursive: true, force: true })
})

function expect413(answer: Answer) {
  expect(answer.error).toBeUndefined()
  expect(answer.status).toBe(413)
  const body = JSON.parse(answer.body ?? '') as { error: { code: string; message: string } }
  expect(body.error.code).toBe('payload_too_large')
  return body.error.message
}

describe('an oversized upload', () => {
  it('3 MiB: every Node client gets the 413, which names the limit', async () => {
    for (const client of ['http', 'fetch'] as const) {
      for (const chunked of [false, true]) {
        for (let round = 0; round < 5; round++) {
          const message = expect413(await nodeClient(client, endpoint, 3 * MiB, chunked))
          limit = Number(/larger than (\d+) bytes/.exec(message)?.[1])
        }
      }
    }
    expect(limit).toBeGreaterThan(MiB)
  })

  it('just over the limit: 413; at the limit the body is read and parsed (400, not JSON)', async () => {
    for (const client of ['http', 'fetch'] as const) {
      for (const chunked of [false, true]) {
        expect413(await nodeClient(client, endpoint, limit + 1, chunked))
        const atLimit = await nodeClient(client, endpoint, limit, chunked)
        expect(atLimit.status).toBe(400)
        expect(atLimit.body).toContain('not valid JSON')
      }
    }
  })

  it('100 MiB: Node http and fetch get the 413', { timeout: 120_000 }, async () => {
    for (const client of ['http', 'fetch'] as const) {
      for (const chunked of [false, true]) {
        expect413(await nodeClient(client, endpoint, 100 * MiB, chunked))
      }
    }
  })

  it.runIf(hasCurl)(
    'curl gets the 413 from just over the limit to 100 MiB',
    { timeout: 120_000 },
    async () => {
      for (const size of [limit + 1, 3 * MiB, 100 * MiB]) {
        const file = path.join(dir, `upload-${size}`)
        // Sparse: no 100 MiB written to disk.
        fs.writeFileSync(file, '')
        fs.truncateSync(file, size)
        for (const chunked of [false, true]) expect413(await curlClient(endpoint, file, chunked))
        fs.rmSync(file)
      }
    },
  )

  it('the server still answers afterwards', async () => {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200)
  })
})
