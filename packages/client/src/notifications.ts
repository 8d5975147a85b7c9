/**
 * @module An account's notification channels (issue 12): webhook URL and secret, alert email,
 * test sends and delivery status. Plain requests with the caller's credentials: a bearer token
 * (CLI) or the cookie session's CSRF header (browser).
 */
import type {
  ChannelTestResponse,
  NotificationsResponse,
  WebhookSetRequest,
  WebhookSetResponse,
} from '@secretsentry/contract/types'
import { connect, type ConnectionOptions, type Method } from './http.ts'

export interface NotificationsClient {
  status(): Promise<NotificationsResponse>
  /** Saves the webhook; the answer holds its signing secret, which is never shown again. */
  setWebhook(body: WebhookSetRequest): Promise<WebhookSetResponse>
  removeWebhook(): Promise<void>
  testWebhook(): Promise<ChannelTestResponse>
  setEmail(address: string): Promise<NotificationsResponse>
  removeEmail(): Promise<void>
  testEmail(): Promise<ChannelTestResponse>
}

export function notificationsClient(
  options: ConnectionOptions,
  /** Authorization (bearer) or X-CSRF-Token (cookie session) headers for a request of `method`. */
  auth: (method: Method) => Record<string, string>,
): NotificationsClient {
  const conn = connect(options)
  const call = <T>(method: Method, path: string, body?: unknown) =>
    conn.call<T>(method, path, { ...(body === undefined ? {} : { body }), headers: auth(method) })
  const send = async (method: Method, path: string) => {
    await conn.send(method, path, { headers: auth(method) })
  }
  return {
    status: () => call('GET', '/api/account/notifications'),
    setWebhook: (body) => call('PUT', '/api/account/webhook', body),
    removeWebhook: () => send('DELETE', '/api/account/webhook'),
    testWebhook: () => call('POST', '/api/account/webhook/test'),
    setEmail: (address) => call('PUT', '/api/account/email', { address }),
    removeEmail: () => send('DELETE', '/api/account/email'),
    testEmail: () => call('POST', '/api/account/email/test'),
  }
}
