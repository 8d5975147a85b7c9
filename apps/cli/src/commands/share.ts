/**
 * @module `share`, `open`, `status`, `delete`: one-time links from the terminal, through
 * @secretsentry/client (the same encryption and requests as the browser).
 *
 * Security promise: the secret comes from standard input or a file, and a passphrase from a
 * prompt without echo or SECRETSENTRY_PASSPHRASE, never from argv; the link (the key) is printed
 * on standard output only, and no message or error carries the secret, the passphrase or the key.
 */
import fs from 'node:fs'
import path from 'node:path'
import {
  RECEIPT_EMAIL_PATTERN,
  RECEIPT_LIMITS,
  SHARE_LIMITS,
  receiptLabelProblem,
} from '@secretsentry/contract/limits'
import {
  createShareClient,
  isClientError,
  parseLink,
  shareIdOf,
  type FetchLike,
  type ShareClient,
  type ShareReceiptRequest,
  type ShareRecord,
} from '@secretsentry/client/share'
import { UsageError, type ParsedArgs } from '../args.ts'
import {
  clientCall,
  commandErrorOf,
  nodeFetch,
  resolveServer,
  serverOrigin,
  warnIfPlainHttp,
} from '../client.ts'
import {
  CommandError,
  EXIT_FAILED,
  EXIT_NOT_AUTHORISED,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
} from '../io.ts'
import { quoted } from '../sanitize.ts'
import { secretInput, writeValue } from '../terminal.ts'
import { loggedInServer, loggedInSession } from './account.ts'
import type { Command } from './command.ts'
import type { ShareStatusResponse } from '@secretsentry/contract/types'
import { shareVaultSecret } from './vault.ts'

export const PASSPHRASE_ENV = 'SECRETSENTRY_PASSPHRASE'

const UNITS: Record<string, number> = { m: 60, h: 3600, d: 86400 }

/** `5m`, `1h`, `3d`, `30d`: within the server's bounds (5 minutes to 30 days). */
export function parseExpires(text: string, command = 'share'): number {
  const m = /^(\d{1,6})([mhd])$/.exec(text.trim())
  const seconds = m ? Number(m[1]) * (UNITS[m[2] as string] as number) : NaN
  if (
    !Number.isSafeInteger(seconds) ||
    seconds < SHARE_LIMITS.ttlMinSeconds ||
    seconds > SHARE_LIMITS.ttlMaxSeconds
  ) {
    throw new UsageError(
      `${command}: --expires must be a duration from 5m to 30d like 5m, 1h, 3d or 30d, got ${JSON.stringify(text)}`,
    )
  }
  return seconds
}

export function parseViews(text: string, command = 'share'): number {
  const n = /^\d{1,4}$/.test(text.trim()) ? Number(text) : NaN
  if (!Number.isInteger(n) || n < SHARE_LIMITS.viewsMin || n > SHARE_LIMITS.viewsMax) {
    throw new UsageError(
      `${command}: --views must be a whole number from ${SHARE_LIMITS.viewsMin} to ${SHARE_LIMITS.viewsMax}, got ${JSON.stringify(text)}`,
    )
  }
  return n
}

/** The policy flags of both kinds of share: `--expires` (default 3d) and `--views` (default 1). */
export function sharePolicy(args: ParsedArgs, command: string) {
  const expires = args.options.get('--expires')
  const views = args.options.get('--views')
  return {
    ttlSeconds:
      typeof expires === 'string' ? parseExpires(expires, command) : SHARE_LIMITS.ttlDefaultSeconds,
    maxViews: typeof views === 'string' ? parseViews(views, command) : SHARE_LIMITS.viewsDefault,
  }
}

const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.pem': 'application/x-pem-file',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Standard input as a share record: text when it is UTF-8 (exactly its bytes), else a file
 * `stdin.bin`, so binary input arrives byte for byte too. A leading BOM goes the file way:
 * text records are decoded without one, and it would be lost.
 */
export function recordFromStdin(bytes: Uint8Array): ShareRecord {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
  if (!bom) {
    try {
      return { kind: 'text', text: STRICT_UTF8.decode(bytes) }
    } catch {
      // Not UTF-8: binary.
    }
  }
  return { kind: 'file', name: 'stdin.bin', type: 'application/octet-stream', data: bytes }
}

function humanDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`
  return `${Math.round(seconds / 60)} minutes`
}

/** Asks twice at a prompt (a typo would make the link useless); a variable is taken as is. */
export async function newPassphrase(io: Io, command: string): Promise<string> {
  const fromEnv = io.env[PASSPHRASE_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const first = await io.terminal.ask('Passphrase: ', { hidden: true })
  if (first === undefined) {
    throw new UsageError(
      `${command}: --passphrase needs a terminal to ask on, or the passphrase in ${PASSPHRASE_ENV}`,
    )
  }
  if (first === '') throw new CommandError('the passphrase is empty', EXIT_USAGE)
  const again = await io.terminal.ask('Repeat the passphrase: ', { hidden: true })
  if (again !== first)
    throw new CommandError('the passphrases differ; nothing was sent', EXIT_USAGE)
  return first
}

async function readSecret(args: ParsedArgs, io: Io): Promise<ShareRecord> {
  const file = args.options.get('--file')
  if (typeof file === 'string') {
    let data: Buffer
    try {
      data = fs.readFileSync(path.resolve(io.terminal.cwd(), file))
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? 'unreadable'
      throw new CommandError(`cannot read --file ${file} (${why})`, EXIT_FAILED)
    }
    const name = path.basename(file)
    const type = TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream'
    return { kind: 'file', name, type, data: new Uint8Array(data) }
  }
  if (io.terminal.stdinIsTTY) io.err('Type or paste the secret, then press Ctrl-D on a new line:\n')
  const bytes = await io.terminal.readStdin()
  if (bytes.length === 0) {
    throw new UsageError('share: standard input is empty; pipe the secret in, or give --file PATH')
  }
  return recordFromStdin(bytes)
}

export function shareClientFor(server: string, bearer?: string): ShareClient {
  // Security promise: the session's bearer token goes only to the server it was issued by
  // (the caller passes it only when `server` is the logged-in one), never to another --server.
  const fetchFn: FetchLike = bearer
    ? (url, init) =>
        nodeFetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${bearer}` } })
    : nodeFetch
  return createShareClient({ origin: server, fetch: fetchFn })
}

/**
 * The receipt flags: `--receipt-to EMAIL` (mailed there; the server holds the address until
 * the link ends) or `--receipt` (the logged-in account's webhook and alert email), and
 * `--receipt-label` to send `--label` with it. Checked before anything is read or sent.
 */
export function receiptRequest(
  args: ParsedArgs,
  loggedIn: boolean,
): ShareReceiptRequest | undefined {
  const to = args.options.get('--receipt-to')
  const account = args.options.get('--receipt') === true
  const withLabel = args.options.get('--receipt-label') === true
  const label = args.options.get('--label')
  if (typeof to === 'string' && account)
    throw new UsageError('share: give --receipt-to EMAIL or --receipt, not both')
  if (typeof to !== 'string' && !account) {
    if (withLabel) throw new UsageError('share: --receipt-label needs --receipt-to or --receipt')
    return undefined
  }
  if (withLabel && typeof label !== 'string')
    throw new UsageError('share: --receipt-label sends --label TEXT with the receipt; give --label')
  let sent: string | undefined
  if (withLabel && typeof label === 'string') {
    sent = label.trim()
    const problem =
      sent === ''
        ? 'must not be empty'
        : sent.length > RECEIPT_LIMITS.labelMax
          ? `must be at most ${RECEIPT_LIMITS.labelMax} characters`
          : receiptLabelProblem(sent)
    if (problem) throw new UsageError(`share: --label ${problem} to go with a receipt`)
  }
  if (typeof to === 'string') {
    if (!RECEIPT_EMAIL_PATTERN.test(to) || to.length > RECEIPT_LIMITS.emailMax)
      throw new UsageError(
        `share: --receipt-to must be an email address like you@example.com, got ${JSON.stringify(to)}`,
      )
    return { to: 'email', email: to, ...(sent !== undefined ? { label: sent } : {}) }
  }
  if (!loggedIn)
    throw new CommandError(
      'share: --receipt sends the receipt to your account: run secretsentry login first',
      EXIT_NOT_AUTHORISED,
    )
  return { to: 'account', ...(sent !== undefined ? { label: sent } : {}) }
}

/**
 * `share` without PATH: a one-time link for standard input or a file. Logged in on this server,
 * it goes with the session (instances that take shares from accounts only, account receipts).
 */
export async function shareStdin(args: ParsedArgs, io: Io, loggedIn?: string): Promise<number> {
  const server = resolveServer('share', args.options.get('--server'), io, loggedIn)
  const session = server === loggedIn ? loggedInSession(io) : undefined
  const receipt = receiptRequest(args, session !== undefined)
  const policy = sharePolicy(args, 'share')
  const label = args.options.get('--label')
  const record = await readSecret(args, io)
  const passphrase = args.options.get('--passphrase') ? await newPassphrase(io, 'share') : undefined
  const client = shareClientFor(server, session?.token)
  const made = await clientCall(
    () =>
      client.create(record, {
        ...policy,
        ...(passphrase ? { passphrase } : {}),
        ...(receipt ? { receipt } : {}),
      }),
    server,
  )
  await reportLink(io, {
    link: made.link,
    id: made.id,
    expiresAt: made.expiresAt,
    manageToken: made.manageToken,
    maxViews: policy.maxViews,
    ttlSeconds: policy.ttlSeconds,
    label: typeof label === 'string' ? label : undefined,
    json: args.options.get('--json') === true,
  })
  return EXIT_OK
}

/** The link alone on standard output (so `| pbcopy` works); the rest on standard error, or all as --json. */
export async function reportLink(
  io: Io,
  made: {
    link: string
    id: string
    expiresAt: string
    manageToken?: string
    maxViews: number
    ttlSeconds: number
    label: string | undefined
    json: boolean
  },
): Promise<void> {
  if (made.json) {
    // The label is the creator's own note, like "My links" in the browser: printed here, kept
    // nowhere, sent to the server only with --receipt-label (to go with the receipt).
    const out = {
      link: made.link,
      id: made.id,
      expiresAt: made.expiresAt,
      ...(made.manageToken ? { manageToken: made.manageToken } : {}),
      ...(made.label !== undefined ? { label: made.label } : {}),
    }
    await io.terminal.writeStdout(new TextEncoder().encode(`${JSON.stringify(out)}\n`))
    return
  }
  await writeValue(io.terminal, new TextEncoder().encode(made.link))
  const views = `${made.maxViews} view${made.maxViews === 1 ? '' : 's'}`
  const label = made.label !== undefined ? `${made.label}: ` : ''
  io.err(`${label}expires ${made.expiresAt} (in ${humanDuration(made.ttlSeconds)}), ${views}\n`)
  if (made.manageToken) {
    io.err(`To check or delete it: secretsentry status ${made.id} --token ${made.manageToken}\n`)
  }
}

export const share: Command = {
  name: 'share',
  summary: 'make a one-time link for standard input, a file, or a vault secret (PATH)',
  usage:
    'secretsentry share [PATH] [--server URL] [--expires 5m|1h|3d|30d] [--views N] [--passphrase] [--file PATH] [--label TEXT] [--receipt-to EMAIL | --receipt] [--receipt-label] [--json]',
  examples: [
    'printf %s "$DB_PASSWORD" | secretsentry share --server https://secrets.example.org --expires 1h',
    'secretsentry share --file ./id_ed25519 --passphrase --views 2',
    'secretsentry share /app/production/DB_PASSWORD --expires 1h   # a vault secret (after login)',
    'secretsentry share --file ./kubeconfig --receipt-to me@example.org --label "kubeconfig for Sam" --receipt-label',
  ],
  spec: {
    positionals: ['PATH'],
    optionalPositionals: 1,
    options: {
      '--server': {
        value: true,
        help: 'the server (default: the logged-in one, else SECRETSENTRY_SERVER)',
      },
      '--expires': {
        value: true,
        help: 'how long the link lives: 5m to 30d, like 1h or 3d (default 3d)',
      },
      '--views': { value: true, help: 'how many times it can be opened: 1 to 100 (default 1)' },
      '--passphrase': {
        value: false,
        help: 'also lock it with a passphrase: asked without echo, or SECRETSENTRY_PASSPHRASE',
      },
      '--file': { value: true, help: 'share this file (its name and type travel encrypted)' },
      '--label': {
        value: true,
        help: 'your own note for the link: printed with it, kept nowhere, sent only with --receipt-label',
      },
      '--receipt-to': {
        value: true,
        help: 'mail a receipt to EMAIL when the link ends (read, expired unread, deleted, destroyed); the server keeps the address until then',
      },
      '--receipt': {
        value: false,
        help: "send that receipt to your account's webhook and alert email instead (needs login)",
      },
      '--receipt-label': {
        value: false,
        help: 'put --label in the receipt (otherwise it names no label); never the secret or the link',
      },
      '--json': { value: false, help: 'print {link, id, expiresAt, manageToken, label} as JSON' },
    },
  },
  description: [
    'Without PATH: encrypts standard input (or --file) here, uploads only ciphertext, and prints',
    'the link alone on standard output. The expiry, views and the manage token for status and',
    'delete go to standard error. The secret is never taken from an argument.',
    'Input that is not UTF-8 text (binary) is shared as a file named stdin.bin.',
    'With PATH (a path like /app/production/DB_PASSWORD, or a name): a link to the current value',
    'of that vault secret on the logged-in server, decrypted and re-encrypted here; --file does',
    'not apply. Without PATH the secret is always standard input (or --file), never a vault one.',
    'Logged in, a link made on the logged-in server goes with the session: it works where the',
    'instance takes links from accounts only, and --receipt can use the account.',
  ],
  run: async (args, io) => {
    if (args.positionals[0] === undefined) return shareStdin(args, io, loggedInServer(io))
    // A vault secret lives on the logged-in server; another --server is a mistake, not a hint.
    const flag = args.options.get('--server')
    const loggedIn = loggedInServer(io)
    if (
      typeof flag === 'string' &&
      loggedIn &&
      serverOrigin(flag, 'share: --server') !== loggedIn
    ) {
      throw new UsageError(
        `share: PATH is a secret in the vault on ${loggedIn}; leave out --server`,
      )
    }
    return shareVaultSecret(args, io)
  },
}

// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
/** Characters Windows does not allow in a name (':' would also open an NTFS alternate stream). */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/
/** Device names on Windows, with or without an extension: writing to them does not make a file. */
const WINDOWS_DEVICE =
  /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(\..*)?$/i

/**
 * A file name from a sender (attacker-controlled: it comes out of the decrypted record), usable
 * in the current directory only if it is a plain name: no path ('/', '\\', '.', '..'), no NUL or
 * other control character (they would reach the terminal in messages, and the shell in later
 * commands), nothing Windows refuses or treats as a device, no trailing dot or space (Windows
 * strips them, so the name written would differ from the one checked), at most 255 bytes.
 */
export function safeFileName(name: string): boolean {
  return (
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !CONTROL.test(name) &&
    !WINDOWS_FORBIDDEN.test(name) &&
    !WINDOWS_DEVICE.test(name) &&
    !/[. ]$/.test(name) &&
    Buffer.byteLength(name, 'utf8') <= 255
  )
}

/** Whether anything is at `file`: a file, a directory, or a symbolic link, even a dangling one. */
function occupied(file: string): boolean {
  try {
    fs.lstatSync(file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/**
 * Writes a new file, mode 0600 (it is a secret), with `wx` (O_CREAT|O_EXCL): it fails if anything
 * is there, a symbolic link included, so nothing is replaced or written through a link. With
 * --force what is at the path is removed first: a symbolic link is replaced, never followed
 * (it could point at any file of the user's).
 */
function writeNew(file: string, data: Uint8Array, force: boolean): void {
  if (force) {
    try {
      if (!fs.lstatSync(file).isDirectory()) fs.rmSync(file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  fs.writeFileSync(file, data, { flag: 'wx', mode: 0o600 })
}

/** writeNew to --output; if the path was taken meanwhile, the bytes go to a fresh name (the view is spent). */
function writeOutput(
  io: Io,
  target: string,
  output: string,
  data: Uint8Array,
  force: boolean,
  id: string,
  views: string,
): boolean {
  try {
    writeNew(target, data, force)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    io.err(`${output} appeared meanwhile: not replaced.\n`)
    saveUnderFreshName(io, data, id, views)
    return false
  }
}

/**
 * The server of a link: its own origin, or for a bare fragment or id --server and the defaults.
 * A whole link with a --server naming another is refused, not settled silently either way: one
 * of the two is a mistake (or someone's trick), and the link's id or a manage token would go to it.
 */
function serverForLink(
  command: string,
  linkOrigin: string | null,
  args: ParsedArgs,
  io: Io,
): string {
  const flag = args.options.get('--server')
  if (linkOrigin === null) return resolveServer(command, flag, io)
  if (typeof flag === 'string') {
    const given = serverOrigin(flag, `${command}: --server`)
    if (given !== linkOrigin) {
      throw new UsageError(
        `${command}: the link is for ${linkOrigin}, not --server ${given}; leave out --server or check the link`,
      )
    }
  }
  warnIfPlainHttp(io, linkOrigin)
  return linkOrigin
}

/** Without --yes and without a person to ask, stop before anything (a prompt included). */
function refuseUnasked(io: Io, args: ParsedArgs): void {
  if (args.options.get('--yes') || io.terminal.stdinIsTTY) return
  throw new CommandError(
    'opening consumes one view of the link; add --yes to open it without asking',
    EXIT_USAGE,
  )
}

async function confirmOpen(io: Io, args: ParsedArgs): Promise<void> {
  if (args.options.get('--yes')) return
  io.err('Opening this link consumes one of its views.\n')
  const answer = await io.terminal.ask('Open it now? [y/N] ', { hidden: false })
  if (!/^y(es)?$/i.test((answer ?? '').trim())) {
    throw new CommandError('not opened; the link is unchanged', EXIT_FAILED)
  }
}

/**
 * The link: the argument, or with `-` asked without echo at a terminal, else read from standard
 * input. A link is a key: as an argument it shows in `ps` to other users of the machine and
 * lands in shell history, so `-` keeps it out of both.
 */
async function linkArg(args: ParsedArgs, io: Io): Promise<string> {
  const given = args.positionals[0] as string
  if (given !== '-') return given
  const text = io.terminal.stdinIsTTY
    ? await io.terminal.ask('Link: ', { hidden: true })
    : new TextDecoder().decode(await io.terminal.readStdin())
  if (text === undefined || text.trim() === '') {
    throw new UsageError('open: no link on standard input; pipe it in, or give it as LINK')
  }
  return text.trim()
}

async function openShare(args: ParsedArgs, io: Io): Promise<number> {
  const link = await linkArg(args, io)
  const parsed = await clientCall(async () => parseLink(link))
  const server = serverForLink('open', parsed.origin, args, io)
  const output = args.options.get('--output')
  const force = args.options.get('--force') === true
  const target =
    typeof output === 'string' && output !== '-'
      ? path.resolve(io.terminal.cwd(), output)
      : undefined
  // Checked before the view is spent: a refusal afterwards would lose the secret.
  if (target && !force && occupied(target)) {
    throw new CommandError(`${output} exists; add --force to replace it`, EXIT_FAILED)
  }
  refuseUnasked(io, args)
  let passphrase: string | undefined
  let prompted = false
  if (parsed.passphrase) {
    const fromEnv = io.env[PASSPHRASE_ENV]
    prompted = fromEnv === undefined || fromEnv === ''
    passphrase = await secretInput(io.terminal, io.env, PASSPHRASE_ENV, 'Passphrase: ')
    if (passphrase === undefined) {
      throw new UsageError(
        `open: this link needs its passphrase: run it at a terminal, or set ${PASSPHRASE_ENV}`,
      )
    }
  }
  await confirmOpen(io, args)
  const client = shareClientFor(server)
  let opened
  for (;;) {
    try {
      opened = await client.open(parsed.fragment, passphrase !== undefined ? { passphrase } : {})
      break
    } catch (err) {
      if (isClientError(err, 'wrong_access')) {
        const left = err.attemptsLeft ?? 0
        const what =
          left === 0
            ? 'the link is destroyed'
            : `${left} attempt${left === 1 ? '' : 's'} left before the link is destroyed`
        if (prompted && left > 0) {
          io.err(`Wrong passphrase: ${what}.\n`)
          passphrase = await io.terminal.ask('Passphrase: ', { hidden: true })
          if (passphrase !== undefined) continue
        }
        throw new CommandError(`wrong passphrase: ${what}`, EXIT_NOT_AUTHORISED)
      }
      throw commandErrorOf(err, server)
    }
  }
  const views = `${opened.viewsLeft} view${opened.viewsLeft === 1 ? '' : 's'} left`
  const { record } = opened
  if (record.kind === 'text') {
    if (target) {
      const data = new TextEncoder().encode(record.text)
      if (writeOutput(io, target, output as string, data, force, parsed.id, views)) {
        io.err(`Wrote the text to ${output}; ${views}.\n`)
      }
    } else {
      await writeValue(io.terminal, new TextEncoder().encode(record.text))
      io.err(`(${views})\n`)
    }
    return EXIT_OK
  }
  if (output === '-') {
    await io.terminal.writeStdout(record.data)
    io.err(`(the file ${quoted(record.name)}, ${record.data.length} bytes; ${views})\n`)
    return EXIT_OK
  }
  if (target) {
    if (writeOutput(io, target, output as string, record.data, force, parsed.id, views)) {
      io.err(`Wrote ${output} (${record.data.length} bytes); ${views}.\n`)
    }
    return EXIT_OK
  }
  return saveUnderOwnName(io, record, force, parsed.id, views)
}

/**
 * The sender's name in the current directory, unless it has a path in it or is taken (without
 * --force). The view is already spent then, so the bytes go to a fresh name instead of being lost.
 */
function saveUnderOwnName(
  io: Io,
  record: Extract<ShareRecord, { kind: 'file' }>,
  force: boolean,
  id: string,
  views: string,
): number {
  const cwd = io.terminal.cwd()
  const wanted = record.name
  if (safeFileName(wanted)) {
    try {
      writeNew(path.join(cwd, wanted), record.data, force)
      io.err(`Wrote ${wanted} (${record.data.length} bytes); ${views}.\n`)
      return EXIT_OK
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      io.err(`${wanted} exists and --force was not given: not replaced.\n`)
    }
  } else {
    io.err(`The sender's file name ${quoted(wanted)} is not a plain file name: refused.\n`)
  }
  saveUnderFreshName(io, record.data, id, views)
  return EXIT_OK
}

/** The bytes under a name of our own in the current directory, never replacing anything. */
function saveUnderFreshName(io: Io, data: Uint8Array, id: string, views: string): void {
  const cwd = io.terminal.cwd()
  for (let n = 1; ; n++) {
    const fallback = `secretsentry-${id.slice(0, 8).replace(/[^A-Za-z0-9]/g, 'x')}-${n}.bin`
    try {
      writeNew(path.join(cwd, fallback), data, false)
      io.err(`Wrote it to ${fallback} instead (${data.length} bytes); ${views}.\n`)
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
}

export const open: Command = {
  name: 'open',
  summary: 'open a one-time link: print its text, or save its file',
  usage: 'secretsentry open LINK|- [--output PATH] [--force] [--yes]',
  examples: [
    "secretsentry open 'https://secrets.example.org/s#…' > db-password.txt",
    "secretsentry open 'https://secrets.example.org/s#…' --yes --output ./key.pem",
    'pbpaste | secretsentry open - --yes > db-password.txt   # the link kept out of ps and history',
  ],
  spec: {
    positionals: ['LINK'],
    options: {
      '--output': {
        value: true,
        help: 'write the secret to this file (never replaced without --force); - for standard output',
      },
      '--force': { value: false, help: 'replace an existing file' },
      '--yes': {
        value: false,
        help: 'do not ask first (needed when standard input is not a terminal)',
      },
      '--server': { value: true, help: 'the server, for a bare fragment instead of a whole link' },
    },
  },
  description: [
    'LINK - reads the link from standard input (or asks for it without echo at a terminal), so',
    'the key in it stays out of the process list and the shell history.',
    'Opening consumes one view: it asks first, unless --yes (and refuses to guess when',
    'standard input is not a terminal). A link with a passphrase asks for it without echo,',
    'or takes SECRETSENTRY_PASSPHRASE; a wrong one says how many attempts are left.',
    'Text goes to standard output byte for byte (a newline is added only on a terminal).',
    'A file is written to --output, or to its own name in the current directory; a name with a',
    'path in it, or one that exists (without --force), is not used: the file is saved under a',
    'fresh name instead, since the view is already spent.',
  ],
  run: openShare,
}

function tokenOf(args: ParsedArgs, command: string): string {
  const token = args.options.get('--token')
  if (typeof token !== 'string') throw new UsageError(`${command}: missing --token MANAGE_TOKEN`)
  return token.trim()
}

function serverForManage(args: ParsedArgs, io: Io, command: string, linkOrId: string): string {
  // A whole link names its server; a bare id takes --server or the defaults.
  const origin = /^https?:/i.test(linkOrId.trim()) ? parseLink(linkOrId).origin : null
  return serverForLink(command, origin, args, io)
}

const manageSpec = {
  positionals: ['LINK|ID'],
  options: {
    '--token': { value: true, help: 'the manage token that share printed' },
    '--server': {
      value: true,
      help: 'the server, when giving an ID (default: SECRETSENTRY_SERVER)',
    },
  },
}

/** How the share stands, in the words My links uses ("read", "expired unread"…), with when it ended. */
function stateLine(s: ShareStatusResponse): string {
  const when = s.endedAt === null ? '' : ` (${s.endedAt})`
  switch (s.state) {
    case 'live':
      return 'live'
    case 'read':
      return `read${when}`
    case 'expired':
      return s.opens.length === 0
        ? `expired unread${when}`
        : `expired after ${s.opens.length} of ${s.maxViews} views${when}`
    case 'deleted':
      return `deleted${when}`
    case 'destroyed':
      return `destroyed after ${s.failedAttempts} wrong passphrases or links${when}`
  }
}

export const status: Command = {
  name: 'status',
  summary: "a link's state, views left, expiry and opens (for its creator)",
  usage: 'secretsentry status LINK|ID --token MANAGE_TOKEN [--json]',
  examples: [
    'secretsentry status Qm9vb3Rz_ZXhhbXBsZQ --token … --server https://secrets.example.org',
  ],
  spec: {
    ...manageSpec,
    options: {
      ...manageSpec.options,
      '--json': { value: false, help: 'print the status as JSON' },
    },
  },
  description: [
    'Never consumes a view. The manage token lets its holder check and delete a link, not read it.',
    'After a link ends the server keeps a receipt (when it was opened, how it ended) until its',
    'original expiry, or 7 days after it when it expired: status says read, expired unread,',
    'deleted or destroyed meanwhile.',
  ],
  async run(args, io) {
    const linkOrId = args.positionals[0] as string
    const id = await clientCall(async () => shareIdOf(linkOrId))
    const server = serverForManage(args, io, 'status', linkOrId)
    const s = await clientCall(
      () => shareClientFor(server).status(id, tokenOf(args, 'status')),
      server,
    )
    if (args.options.get('--json')) {
      io.out(`${JSON.stringify(s)}\n`)
      return EXIT_OK
    }
    io.out(
      [
        `id          ${s.id}`,
        `state       ${stateLine(s)}`,
        `views left  ${s.viewsLeft} of ${s.maxViews}`,
        `created     ${s.createdAt}`,
        `expires     ${s.expiresAt}`,
        `wrong tries ${s.failedAttempts}`,
        `opened      ${s.opens.length === 0 ? 'never' : s.opens.map((o) => o.at).join(', ')}`,
      ].join('\n') + '\n',
    )
    return EXIT_OK
  },
}

export const deleteShare: Command = {
  name: 'delete',
  summary: 'destroy a link before it is used (for its creator)',
  usage: 'secretsentry delete LINK|ID --token MANAGE_TOKEN',
  examples: [
    'secretsentry delete Qm9vb3Rz_ZXhhbXBsZQ --token … --server https://secrets.example.org',
  ],
  spec: manageSpec,
  description: ['The ciphertext is deleted on the server at once; the link then opens nothing.'],
  async run(args, io) {
    const linkOrId = args.positionals[0] as string
    const id = await clientCall(async () => shareIdOf(linkOrId))
    const server = serverForManage(args, io, 'delete', linkOrId)
    await clientCall(() => shareClientFor(server).delete(id, tokenOf(args, 'delete')), server)
    io.err('Deleted.\n')
    return EXIT_OK
  },
}
