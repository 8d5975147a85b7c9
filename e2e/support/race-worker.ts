/** @module Child process of the race test: on 'go' it fires its batch of concurrent opens, one fresh connection each. */
import { request } from 'node:http'

export interface ArmMessage {
  type: 'arm'
  /** Full URL of POST /api/share/:id/open on 127.0.0.1. */
  url: string
  body: string
  count: number
}
export type ParentMessage = ArmMessage | { type: 'go' } | { type: 'exit' }
export interface OpenOutcome {
  status: number
  viewsLeft?: number
  code?: string
}
export type WorkerMessage =
  | { type: 'armed' }
  | { type: 'done'; outcomes: OpenOutcome[] }
  | { type: 'failed'; message: string }

function post(url: string, body: string): Promise<OpenOutcome> {
  return new Promise((resolveOutcome, reject) => {
    // agent: false → a new TCP connection per request, closed afterwards (no keep-alive).
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const outcome: OpenOutcome = { status: res.statusCode ?? 0 }
          try {
            const parsed = JSON.parse(text) as { viewsLeft?: number; error?: { code?: string } }
            if (typeof parsed.viewsLeft === 'number') outcome.viewsLeft = parsed.viewsLeft
            if (parsed.error?.code) outcome.code = parsed.error.code
          } catch {
            outcome.code = 'not_json'
          }
          resolveOutcome(outcome)
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

let armed: ArmMessage | undefined

function send(message: WorkerMessage): void {
  process.send?.(message)
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'arm') {
    armed = message
    send({ type: 'armed' })
  } else if (message.type === 'go') {
    const batch = armed
    armed = undefined
    if (!batch) return send({ type: 'failed', message: 'go before arm' })
    Promise.all(Array.from({ length: batch.count }, () => post(batch.url, batch.body))).then(
      (outcomes) => send({ type: 'done', outcomes }),
      (err: unknown) => send({ type: 'failed', message: String(err) }),
    )
  } else if (message.type === 'exit') {
    process.disconnect?.()
  }
})
