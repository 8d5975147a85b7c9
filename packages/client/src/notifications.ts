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
import { connect, type ConnectionOptions } from './http.ts'

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
  /** Authorization (bearer) or X-CSRF-Token (cookie session) headers, read at each call. */
  headers: () => Record<string, string>,
): NotificationsClient {
  const conn = connect(options)
  return {
    status: () => conn.call('GET', '/api/account/notifications', { headers: headers() }),
    setWebhook: (body) => conn.call('PUT', '/api/account/webhook', { body, headers: headers() }),
    removeWebhook: async () => {
      await conn.send('DELETE', '/api/account/webhook', { headers: headers() })
    },
    testWebhook: () => conn.call('POST', '/api/account/webhook/test', { headers: headers() }),
    setEmail: (address) =>
      conn.call('PUT', '/api/account/email', { body: { address }, headers: headers() }),
    removeEmail: async () => {
      await conn.send('DELETE', '/api/account/email', { headers: headers() })
    },
    testEmail: () => conn.call('POST', '/api/account/email/test', { headers: headers() }),
  }
}
