/**
 * @module A TCP relay the test controls, between server processes and a shared service
 * (PostgreSQL, Redis): stop() is the service going away (every connection cut, new ones
 * refused), start() its return on the same port. The real service is never touched.
 */
import net from 'node:net'

export interface TcpRelay {
  /** The port the relay listens on (127.0.0.1); it stays the same across stop() and start(). */
  readonly port: number
  /** Connections currently relayed (client and upstream sockets, each counted). */
  readonly sockets: number
  /** Cuts every relayed connection and stops listening: connects are refused until start(). */
  stop(): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
  /** stop(), for the end of a suite. */
  close(): Promise<void>
}

export async function startRelay(targetHost: string, targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined
  let port = 0

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(targetPort, targetHost)
        for (const [a, b] of [
          [client, upstream],
          [upstream, client],
        ] as const) {
          sockets.add(a)
          a.setNoDelay(true)
          // One side gone: the other goes too, as with a real server that died.
          a.on('error', () => b.destroy())
          a.on('close', () => {
            sockets.delete(a)
            b.destroy()
          })
        }
        client.pipe(upstream)
        upstream.pipe(client)
      })
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject)
        port = (s.address() as net.AddressInfo).port
        server = s
        resolve()
      })
    })

  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server
      server = undefined
      for (const socket of sockets) socket.destroy()
      if (s) s.close(() => resolve())
      else resolve()
    })

  await listen()
  return {
    get port() {
      return port
    },
    get sockets() {
      return sockets.size
    },
    stop,
    start: async () => {
      if (!server) await listen()
    },
    close: stop,
  }
}
