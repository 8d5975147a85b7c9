/**
 * @module The receipt a share's creator may ask for (issue 12): the form's choice, its checks, the
 * request it becomes and the server's refusals in words. One implementation for the create page
 * and the vault's Share panel; ReceiptFields.vue shows it.
 */
import {
  RECEIPT_EMAIL_PATTERN,
  RECEIPT_LIMITS,
  receiptEmailAllowed,
  receiptLabelProblem,
} from '@secretsentry/contract/limits'
import type { PublicPolicy, ShareReceiptRequest } from '@secretsentry/contract/types'
import { ClientError } from '../shared/api/share.api.ts'

export interface ReceiptChoice {
  /** Where the receipt goes: nowhere, a typed address, or the logged-in account's channels. */
  to: 'none' | 'email' | 'account'
  /** The address typed; used only when `to` is 'email'. */
  email: string
  /** Whether the receipt names the link with the form's label (otherwise the label stays local). */
  withLabel: boolean
}

export const noReceipt = (): ReceiptChoice => ({ to: 'none', email: '', withLabel: false })

/** Receipts by email are possible only where the server sends mail (its policy says). */
export const emailReceiptsOffered = (policy: PublicPolicy | null): boolean =>
  policy?.receipts.email === true

/** The domains receipts may be mailed to; empty: any. */
export const receiptEmailDomains = (policy: PublicPolicy | null): readonly string[] =>
  policy?.receipts.emailDomains ?? []

export interface ReceiptProblems {
  /** Why the address cannot be used, or null. */
  email: string | null
  /** Why the label cannot go in the receipt, or null. */
  label: string | null
}

/** What keeps the choice from being sent as it is; the server checks the same again. */
export function receiptProblems(
  choice: ReceiptChoice,
  label: string,
  policy: PublicPolicy | null,
): ReceiptProblems {
  return { email: emailProblem(choice, policy), label: labelProblem(choice, label) }
}

export function receiptValid(
  choice: ReceiptChoice,
  label: string,
  policy: PublicPolicy | null,
): boolean {
  const problems = receiptProblems(choice, label, policy)
  return problems.email === null && problems.label === null
}

function emailProblem(choice: ReceiptChoice, policy: PublicPolicy | null): string | null {
  if (choice.to !== 'email') return null
  const address = choice.email.trim()
  if (address === '') return 'Enter the address the receipt goes to.'
  if (!RECEIPT_EMAIL_PATTERN.test(address) || address.length > RECEIPT_LIMITS.emailMax)
    return 'Enter an email address like you@example.com.'
  const domains = receiptEmailDomains(policy)
  if (!receiptEmailAllowed(address, domains))
    return `This server sends receipts only to addresses at ${domains.join(', ')}.`
  return null
}

function labelProblem(choice: ReceiptChoice, label: string): string | null {
  if (choice.to === 'none' || !choice.withLabel) return null
  const text = label.trim()
  if (text === '') return 'Type a label above, or untick this.'
  const problem = receiptLabelProblem(text)
  return problem ? `To go in a receipt, the label ${problem}.` : null
}

/**
 * The receipt part of the create request, or undefined for none.
 * Security promise: the label is in it only when the creator ticked the box; otherwise it never
 * leaves the browser (ShareForm.test.ts and SecretSharePanel.test.ts check both).
 */
export function receiptRequest(
  choice: ReceiptChoice,
  label: string,
): ShareReceiptRequest | undefined {
  const sentLabel = choice.withLabel ? { label: label.trim() } : {}
  if (choice.to === 'email') return { to: 'email', email: choice.email.trim(), ...sentLabel }
  if (choice.to === 'account') return { to: 'account', ...sentLabel }
  return undefined
}

/**
 * The server's refusal of a receipt in words, or null for any other error. An account with no
 * channel is the likely one: the account choice is offered to anyone logged in, and only the
 * server knows whether a webhook or alert email is set.
 */
export function receiptErrorMessage(err: unknown): string | null {
  if (!(err instanceof ClientError)) return null
  const field = err.details.field
  if (field === 'receipt.to' && err.code === 'conflict')
    return 'This server no longer sends mail, so a receipt cannot go by email. Choose another receipt.'
  if (field === 'receipt.to')
    return 'Your account has no webhook or alert email for the receipt. Set one under Notifications on the Account page, or choose another receipt.'
  if (field === 'receipt.email')
    return 'The server does not mail receipts to this address. Check it, or choose another receipt.'
  if (field?.startsWith('receipt.label'))
    return 'The server refused the label in the receipt. Change the label, or untick “Name the link in the receipt”.'
  return null
}
