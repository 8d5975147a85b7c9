/** @module Request and response schemas of an account's notification channels (issue 12): webhook and alert email. */
import * as z from 'zod'
import { isoTime } from './schemas.ts'

export const NOTIFICATION_LIMITS = {
  webhookUrlMax: 2048,
  emailMax: 254,
} as const

export const webhookSetRequest = z
  .strictObject({
    url: z
      .string()
      .min(1, 'must not be empty')
      .max(
        NOTIFICATION_LIMITS.webhookUrlMax,
        `must be at most ${NOTIFICATION_LIMITS.webhookUrlMax} characters`,
      )
      .meta({ description: 'https:// (or http://) URL that receives signed POSTs' }),
    secret: z.string().max(200, 'must be at most 200 characters').optional().meta({
      description:
        'Signing secret "whsec_<base64 of 24 to 64 bytes>"; omitted: the server draws one and returns it once',
    }),
  })
  .meta({ id: 'WebhookSetRequest' })

export const emailSetRequest = z
  .strictObject({
    address: z
      .string()
      .max(
        NOTIFICATION_LIMITS.emailMax,
        `must be at most ${NOTIFICATION_LIMITS.emailMax} characters`,
      )
      .regex(
        /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/,
        'must be an email address like you@example.com',
      ),
  })
  .meta({ id: 'EmailSetRequest' })

export const channelStatus = z
  .object({
    target: z.string().meta({ description: 'The webhook URL or the email address' }),
    createdAt: isoTime,
    lastSuccessAt: isoTime.nullable(),
    lastFailureAt: isoTime.nullable(),
    lastError: z.string().nullable(),
    consecutiveFailures: z.int().min(0),
    pending: z.int().min(0).meta({ description: 'Notifications waiting to be delivered here' }),
  })
  .meta({ id: 'ChannelStatus' })

export const notificationDelivery = z
  .object({
    id: z.string().meta({ description: 'The event id (webhook-id)' }),
    type: z.string(),
    channel: z.enum(['webhook', 'email']),
    status: z.enum(['pending', 'delivered', 'failed', 'dropped']),
    attempts: z.int().min(0),
    lastError: z.string().nullable(),
    createdAt: isoTime,
    nextAttemptAt: isoTime.nullable(),
  })
  .meta({ id: 'NotificationDelivery' })

export const notificationsResponse = z
  .object({
    webhook: channelStatus.nullable(),
    email: channelStatus.nullable(),
    emailAvailable: z
      .boolean()
      .meta({ description: 'Whether this server can send mail (SMTP_URL)' }),
    deliveries: z
      .array(notificationDelivery)
      .meta({ description: 'The newest deliveries, newest first' }),
  })
  .meta({ id: 'NotificationsResponse' })

export const webhookSetResponse = z
  .object({
    webhook: channelStatus,
    secret: z.string().meta({ description: 'The signing secret, shown this once' }),
  })
  .meta({ id: 'WebhookSetResponse' })

export const channelTestResponse = z
  .object({
    delivered: z.boolean(),
    status: z.int().optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'ChannelTestResponse' })
