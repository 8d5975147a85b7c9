/**
 * @module The vault commands: `ls`, `get`, `set`, `rm`, `restore`, `promote`, `history`, the
 * folder commands `mkdir`, `mv`, `rmdir`, and the vault side of `share PATH`. Secrets are addressed by path (`/app/production/DB_PASSWORD`);
 * @secretsentry/client resolves paths over decrypted metadata, so the server never learns them.
 *
 * Security promise: a value comes in on standard input only and goes out on standard output
 * only, byte for byte; it is never an argument, and no message names it.
 */
import {
  cleanMeta,
  findFolder,
  formatDays,
  ROTATION_LIMITS,
  staleness,
  secretPath,
  secretsUnder,
  splitPath,
  validateMeta,
  versionWithStage,
  type FolderItem,
  type SecretItem,
  type SecretMeta,
  type Stage,
} from '@secretsentry/client/vault'
import { UsageError, type ParsedArgs } from '../args.ts'
import { clientCall } from '../client.ts'
import { CommandError, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, type Io } from '../io.ts'
import { writeValue } from '../terminal.ts'
import { withVault } from './account.ts'
import { oneLine } from '../sanitize.ts'
import type { Command } from './command.ts'
import { newPassphrase, receiptRequest, reportLink, sharePolicy } from './share.ts'
import { TOKEN_ENV, TOKEN_OPTIONS, tokenFor, withToken } from '../secrets-source.ts'

const STAGES: readonly Stage[] = ['current', 'pending', 'previous']
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** `30d` → 30, `none` → null: the --rotate-every value, or a usage error naming the flag. */
export function parseRotateEvery(text: string): number | null {
  const t = text.trim().toLowerCase()
  if (t === 'none') return null
  const m = /^([1-9][0-9]{0,3})d$/.exec(t)
  const days = m ? Number(m[1]) : NaN
  if (!(days >= ROTATION_LIMITS.minDays && days <= ROTATION_LIMITS.maxDays)) {
    throw new UsageError(
      `set: --rotate-every must be a number of days like 30d (${ROTATION_LIMITS.minDays}d to ${ROTATION_LIMITS.maxDays}d), or none; got ${JSON.stringify(text)}`,
    )
  }
  return days
}

function pathArg(args: ParsedArgs): string {
  return args.positionals[0] as string
}

const pathOf = (item: SecretItem): string =>
  item.meta ? secretPath(item.meta, item.folderPath) : `(id ${item.id})`
const folderLabel = (f: FolderItem): string => `${f.path}/`

/** The secret exactly at PATH (folder, path and name), or undefined; for `set`, which creates when absent. */
function exactly(items: readonly SecretItem[], target: string): SecretItem | undefined {
  const { path, name } = splitPath(target)
  const full = `${path}/${name}`
  const found = items.filter((i) => i.meta && secretPath(i.meta, i.folderPath) === full)
  if (found.length > 1) {
    throw new CommandError(
      `${found.length} secrets are at ${target}: give an id instead (${found.map((i) => i.id).join(', ')})`,
      EXIT_USAGE,
    )
  }
  return found[0]
}

/** One secret as `ls --json` prints it: what the line says, as data. */
interface ListedSecret {
  path: string
  id: string
  version: number | null
  pending: number | null
  rotationDays: number | null
  /** Whole days since the current value was stored. */
  ageDays: number | null
  stale: boolean
  purgeAt?: string
}

function listed(i: SecretItem, now: number): ListedSecret {
  const age = staleness(i.summary, now)
  return {
    path: pathOf(i),
    id: i.id,
    version: versionWithStage(i.summary, 'current'),
    pending: versionWithStage(i.summary, 'pending'),
    rotationDays: i.summary.rotationDays,
    ageDays: age?.ageDays ?? null,
    stale: age?.stale ?? false,
    ...(i.summary.purgeAt ? { purgeAt: i.summary.purgeAt } : {}),
  }
}

/** `(stale: 120 days old, interval 30 days)` or `(stale: 95 days old, no interval: 90 days)`. */
function staleMark(s: ListedSecret): string {
  const limit =
    s.rotationDays === null
      ? `no interval: ${formatDays(ROTATION_LIMITS.defaultMaxAgeDays)}`
      : `interval ${formatDays(s.rotationDays)}`
  return `(stale: ${formatDays(s.ageDays ?? 0)} old, ${limit})`
}

export const ls: Command = {
  name: 'ls',
  summary: 'list vault secrets (at or under PATH); stale ones are marked',
  usage: 'secretsentry ls [PATH] [--deleted | --stale | --folders] [--json]',
  examples: ['secretsentry ls /app/production', 'secretsentry ls --stale --json'],
  spec: {
    positionals: ['PATH'],
    optionalPositionals: 1,
    options: {
      '--deleted': { value: false, help: 'the deleted secrets that can still be restored' },
      '--stale': {
        value: false,
        help: 'only the secrets due for rotation: older than their interval, or than 90 days without one',
      },
      '--folders': { value: false, help: 'the folders at or under PATH instead (ending in /)' },
      '--json': {
        value: false,
        help: 'print a JSON array: {path, id, version, pending, rotationDays, ageDays, stale} per secret (folders: their paths)',
      },
    },
  },
  description: [
    'One line per secret: its path, its current version and any pending one, its rotation',
    'interval if it has one, and "(stale: …)" when it is due for rotation: its current value is',
    'at least as old as its interval, or 90 days old without one.',
  ],
  async run(args, io) {
    const prefix = args.positionals[0] ?? '/'
    const deleted = args.options.get('--deleted') === true
    const onlyStale = args.options.get('--stale') === true
    const json = args.options.get('--json') === true
    const chosen = [
      deleted && '--deleted',
      onlyStale && '--stale',
      args.options.get('--folders') === true && '--folders',
    ].filter(Boolean)
    if (chosen.length > 1) throw new UsageError(`ls: give one of ${chosen.join(', ')}, not several`)
    if (args.options.get('--folders') === true) {
      const tree = await withVault(io, (v) => v.refreshFolders())
      const p = prefix.trim().replace(/\/+$/, '')
      const paths = tree
        .filter((f) => p === '' || f.path === p || f.path.startsWith(`${p}/`))
        .map(folderLabel)
      if (json) io.out(`${JSON.stringify(paths)}\n`)
      else if (paths.length > 0) io.out(`${paths.map(oneLine).join('\n')}\n`)
      return EXIT_OK
    }
    const items = await withVault(io, (v) => v.list(deleted ? { deleted: true } : {}))
    const now = Date.now()
    const rows = secretsUnder(items, prefix)
      .map((i) => listed(i, now))
      // A deleted secret is not due for anything: it is going away.
      .map((r) => (deleted ? { ...r, stale: false } : r))
      .filter((r) => !onlyStale || r.stale)
    if (json) {
      io.out(`${JSON.stringify(rows)}\n`)
      return EXIT_OK
    }
    const lines = rows.map((r) => {
      const parts = [r.path, r.version === null ? '-' : `v${r.version}`]
      if (r.pending !== null) parts.push(`(pending v${r.pending})`)
      if (r.rotationDays !== null) parts.push(`(rotate every ${formatDays(r.rotationDays)})`)
      if (r.stale) parts.push(staleMark(r))
      if (r.purgeAt) parts.push(`(purged ${r.purgeAt})`)
      return parts.join('  ')
    })
    // One line per secret, saying what is there: a bidirectional override in a name is shown
    // escaped (the keyring already refuses control characters; this holds if one slipped by).
    if (lines.length > 0) io.out(`${lines.map(oneLine).join('\n')}\n`)
    return EXIT_OK
  },
}

export const get: Command = {
  name: 'get',
  summary: "print a secret's value (current, a version, or a stage)",
  usage: 'secretsentry get PATH [--version N | --stage current|pending|previous] [--json]',
  examples: ['DB_PASSWORD="$(secretsentry get /app/production/DB_PASSWORD)"'],
  spec: {
    positionals: ['PATH'],
    options: {
      '--version': { value: true, help: 'this version number' },
      '--stage': { value: true, help: 'the version with this stage: current, pending or previous' },
      '--json': {
        value: false,
        help: 'print {path, id, version, value, description, tags} as JSON (with a token: {path, version, value})',
      },
      ...TOKEN_OPTIONS,
    },
  },
  description: [
    'The value goes to standard output byte for byte (a newline is added only on a terminal).',
    'The server records the read in the audit log.',
    `With a service token (${TOKEN_ENV} or --token-file) PATH is read with the token instead of`,
    'the login: only within its folder, and only the current version unless it was made with',
    '--stage any.',
  ],
  async run(args, io) {
    const version = args.options.get('--version')
    const stage = args.options.get('--stage')
    if (version !== undefined && stage !== undefined) {
      throw new UsageError('get: give --version or --stage, not both')
    }
    if (typeof version === 'string' && !/^[1-9]\d{0,9}$/.test(version)) {
      throw new UsageError(
        `get: --version must be a version number, got ${JSON.stringify(version)}`,
      )
    }
    if (typeof stage === 'string' && !STAGES.includes(stage as Stage)) {
      throw new UsageError(
        `get: --stage must be current, pending or previous, got ${JSON.stringify(stage)}`,
      )
    }
    const token = tokenFor('get', args, io)
    if (token) {
      const secret = await withToken('get', args, io, token, (session) =>
        session.get(pathArg(args), {
          ...(typeof version === 'string' ? { version: Number(version) } : {}),
          ...(typeof stage === 'string' ? { stage: stage as Stage } : {}),
        }),
      )
      if (args.options.get('--json')) {
        const out = { path: secret.path, version: secret.version, value: secret.value }
        io.out(`${JSON.stringify(out)}\n`)
        return EXIT_OK
      }
      await writeValue(io.terminal, new TextEncoder().encode(secret.value))
      return EXIT_OK
    }
    const { item, read } = await withVault(io, async (v) => {
      const item = await v.resolve(pathArg(args))
      const read = await v.read(item.summary, {
        ...(typeof version === 'string' ? { version: Number(version) } : {}),
        ...(typeof stage === 'string' ? { stage: stage as Stage } : {}),
      })
      return { item, read }
    })
    if (args.options.get('--json')) {
      const out = {
        path: pathOf(item),
        id: item.id,
        version: read.version,
        value: read.value,
        description: item.meta?.description ?? '',
        tags: item.meta?.tags ?? [],
      }
      io.out(`${JSON.stringify(out)}\n`)
      return EXIT_OK
    }
    await writeValue(io.terminal, new TextEncoder().encode(read.value))
    return EXIT_OK
  },
}

export const set: Command = {
  name: 'set',
  summary: 'store a value from standard input (creates the secret, or adds a version)',
  usage:
    'secretsentry set PATH [--pending] [--rotate-every Nd|none] [--description TEXT] [--tag TAG]...',
  examples: [
    'printf %s "$NEW_PASSWORD" | secretsentry set /app/production/DB_PASSWORD --tag db --tag prod',
    'openssl rand -base64 32 | secretsentry set /app/production/DB_PASSWORD --pending',
    'secretsentry set /app/production/DB_PASSWORD --rotate-every 30d </dev/null',
  ],
  spec: {
    positionals: ['PATH'],
    options: {
      '--pending': {
        value: false,
        help: 'store it as the pending version (a rotation to promote later); the current one stays',
      },
      '--rotate-every': {
        value: true,
        help: 'a rotation interval like 30d (1d to 3650d), or none to clear it; the server sees this number',
      },
      '--description': { value: true, help: 'the description (replaces the old one)' },
      '--tag': {
        value: true,
        multiple: true,
        help: 'a tag; repeat for several (replaces the old tags)',
      },
      ...TOKEN_OPTIONS,
    },
  },
  description: [
    'The value is all of standard input, exactly (UTF-8 text; a trailing newline is kept).',
    'A new PATH creates the secret; an existing one gets a new version. Never from an argument.',
    'With --rotate-every and nothing on standard input (</dev/null), only the interval (and any',
    '--description or --tag) of an existing secret changes. The interval is stored in clear: the',
    'server sends a daily digest of the secrets due for rotation.',
    `With a service token (${TOKEN_ENV} or --token-file): only a token made with --read-write,`,
    'only within its folder; a read-only token is refused (exit 4).',
  ],
  async run(args, io) {
    const target = pathArg(args)
    const pending = args.options.get('--pending') === true
    const description = args.options.get('--description')
    const tags = args.lists.get('--tag')
    const rotate = args.options.get('--rotate-every')
    const rotationDays = typeof rotate === 'string' ? parseRotateEvery(rotate) : undefined
    const { path, name } = await clientCall(async () => splitPath(target))
    const token = tokenFor('set', args, io)
    if (token && (description !== undefined || tags !== undefined)) {
      throw new UsageError('set: --description and --tag need a login, not a token')
    }
    if (io.terminal.stdinIsTTY)
      io.err(
        rotationDays === undefined
          ? 'Type or paste the value, then press Ctrl-D on a new line:\n'
          : 'Type or paste the value, then press Ctrl-D on a new line (Ctrl-D alone: change only the interval):\n',
      )
    const bytes = await io.terminal.readStdin()
    if (bytes.length === 0 && rotationDays === undefined) {
      throw new UsageError('set: standard input is empty; pipe the value in')
    }
    if (bytes.length === 0 && pending) {
      throw new UsageError('set: --pending needs a value on standard input')
    }
    let value: string | undefined
    try {
      value = bytes.length === 0 ? undefined : STRICT_UTF8.decode(bytes)
    } catch {
      throw new UsageError(
        'set: the value is not UTF-8 text; vault values are text (share a binary file with secretsentry share --file)',
      )
    }
    if (token) {
      // The interval is the owner's choice: a token stores values only.
      if (rotationDays !== undefined) {
        throw new UsageError('set: --rotate-every needs a login, not a service token')
      }
      if (value === undefined)
        throw new UsageError('set: standard input is empty; pipe the value in')
      const tokenValue = value
      const stored = await withToken('set', args, io, token, (session) =>
        session.set(target, tokenValue, { pending }),
      )
      io.err(
        `Stored ${oneLine(stored.path)} version ${stored.version}${pending ? ' as pending' : ''} with the token.\n`,
      )
      return EXIT_OK
    }
    const message = await withVault(io, async (v) => {
      const existing = exactly(await v.list(), target)
      const base: SecretMeta = existing?.meta ?? { name, path, description: '', tags: [] }
      const changed = description !== undefined || tags !== undefined
      const meta = cleanMeta({
        ...base,
        ...(typeof description === 'string' ? { description } : {}),
        ...(tags ? { tags } : {}),
      })
      const errors = validateMeta(meta)
      const bad = Object.entries(errors)[0]
      if (bad) throw new UsageError(`set: --${bad[0] === 'tags' ? 'tag' : bad[0]}: ${bad[1]}`)
      const every = (days: number | null | undefined) =>
        days == null ? '' : `, rotated every ${formatDays(days)}`
      if (!existing) {
        if (pending) {
          throw new UsageError(
            `set: ${target} does not exist yet; a new secret starts with a current value (leave out --pending)`,
          )
        }
        if (value === undefined) {
          throw new UsageError(`set: ${target} does not exist yet; pipe its value in to create it`)
        }
        const created = await v.create({
          meta,
          value,
          ...(rotationDays != null ? { rotationDays } : {}),
        })
        return `Created ${pathOf(created)} (version 1${every(rotationDays)}).`
      }
      const updated = await v.update(existing.summary, {
        ...(value !== undefined ? { value, stage: pending ? 'pending' : 'current' } : {}),
        ...(changed ? { meta } : {}),
        ...(rotationDays !== undefined ? { rotationDays } : {}),
      })
      if (value === undefined) {
        return `Stored the rotation interval of ${pathOf(updated)}: ${
          updated.summary.rotationDays === null
            ? `none (due after ${formatDays(ROTATION_LIMITS.defaultMaxAgeDays)})`
            : `every ${formatDays(updated.summary.rotationDays)}`
        }.`
      }
      const version = versionWithStage(updated.summary, pending ? 'pending' : 'current')
      return `Stored ${pathOf(updated)} version ${version}${pending ? ' as pending (secretsentry promote makes it current)' : ''}${every(rotationDays)}.`
    })
    io.err(`${message}\n`)
    return EXIT_OK
  },
}

export const rm: Command = {
  name: 'rm',
  summary: 'delete a secret (recoverable with restore until it is purged)',
  usage: 'secretsentry rm PATH',
  examples: ['secretsentry rm /app/staging/OLD_TOKEN'],
  spec: { positionals: ['PATH'] },
  description: ['The secret stays recoverable for VAULT_RECOVERY_DAYS, then it is purged.'],
  async run(args, io) {
    const { item, result } = await withVault(io, async (v) => {
      const item = await v.resolve(pathArg(args))
      return { item, result: await v.delete(item.id) }
    })
    io.err(
      `Deleted ${pathOf(item)}; secretsentry restore ${pathOf(item)} brings it back until ${result.purgeAt}.\n`,
    )
    return EXIT_OK
  },
}

export const restore: Command = {
  name: 'restore',
  summary: 'bring back a deleted secret',
  usage: 'secretsentry restore PATH',
  examples: ['secretsentry restore /app/staging/OLD_TOKEN'],
  spec: { positionals: ['PATH'] },
  description: ['Only before it is purged (secretsentry ls --deleted lists what can be restored).'],
  async run(args, io) {
    const restored = await withVault(io, async (v) => {
      const deleted = await v.list({ deleted: true })
      const target = pathArg(args)
      const item = exactly(deleted, target) ?? deleted.find((i) => i.id === target)
      if (!item) {
        throw new CommandError(
          `no deleted secret at ${target} (secretsentry ls --deleted)`,
          EXIT_NOT_FOUND,
        )
      }
      return v.restore(item.id)
    })
    io.err(`Restored ${pathOf(restored)}.\n`)
    return EXIT_OK
  },
}

export const promote: Command = {
  name: 'promote',
  summary: 'make the pending version current (the current one becomes previous)',
  usage: 'secretsentry promote PATH',
  examples: ['secretsentry promote /app/production/DB_PASSWORD'],
  spec: { positionals: ['PATH'] },
  description: ['Finishes a rotation started with secretsentry set PATH --pending.'],
  async run(args, io) {
    const promoted = await withVault(io, async (v) => {
      const item = await v.resolve(pathArg(args))
      if (versionWithStage(item.summary, 'pending') === null) {
        throw new CommandError(
          `${pathOf(item)} has no pending version (set it with --pending)`,
          EXIT_NOT_FOUND,
        )
      }
      return v.promote(item.summary)
    })
    const current = versionWithStage(promoted.summary, 'current')
    io.err(`Promoted: version ${current} of ${pathOf(promoted)} is current.\n`)
    return EXIT_OK
  },
}

export const history: Command = {
  name: 'history',
  summary: "a secret's versions with their stages and dates (never the values)",
  usage: 'secretsentry history PATH [--json]',
  examples: ['secretsentry history /app/production/DB_PASSWORD'],
  spec: {
    positionals: ['PATH'],
    options: { '--json': { value: false, help: 'print the versions as JSON' } },
  },
  description: ['Read an older value with secretsentry get PATH --version N.'],
  async run(args, io) {
    const item = await withVault(io, (v) => v.resolve(pathArg(args)))
    const versions = [...item.summary.versions].sort((a, b) => b.version - a.version)
    if (args.options.get('--json')) {
      io.out(`${JSON.stringify(versions)}\n`)
      return EXIT_OK
    }
    const lines = versions.map((ver) =>
      [
        `v${ver.version}`.padEnd(5),
        ver.createdAt,
        ver.stages.join(',').padEnd(16),
        ver.restoredFrom !== null ? `restored from v${ver.restoredFrom}` : '',
      ]
        .join('  ')
        .trimEnd(),
    )
    io.out(`${lines.join('\n')}\n`)
    return EXIT_OK
  },
}

/** `share PATH`: a one-time link to the current value, decrypted and re-sealed here by the client. */
export async function shareVaultSecret(args: ParsedArgs, io: Io): Promise<number> {
  if (args.options.get('--file') !== undefined) {
    throw new UsageError('share: give PATH or --file, not both')
  }
  const policy = sharePolicy(args, 'share')
  // A vault secret is shared under the session: --receipt has an account to go to.
  const receipt = receiptRequest(args, true)
  const label = args.options.get('--label')
  const passphrase = args.options.get('--passphrase') ? await newPassphrase(io, 'share') : undefined
  const made = await withVault(io, async (v) => {
    const item = await v.resolve(pathArg(args))
    return v.share(item.id, {
      ...policy,
      ...(passphrase ? { passphrase } : {}),
      ...(receipt ? { receipt } : {}),
    })
  })
  await reportLink(io, {
    ...made,
    ...policy,
    label: typeof label === 'string' ? label : undefined,
    json: args.options.get('--json') === true,
  })
  return EXIT_OK
}

export const mkdir: Command = {
  name: 'mkdir',
  summary:
    'create a folder (with -p its missing parents; with --environments dev/staging/prod in it)',
  usage: 'secretsentry mkdir PATH [-p] [--environments]',
  examples: [
    'secretsentry mkdir -p /app/production/database',
    'secretsentry mkdir /shop --environments',
  ],
  spec: {
    positionals: ['PATH'],
    options: {
      '--parents': {
        value: false,
        short: 'p',
        help: 'create missing parents too; an existing folder is not an error',
      },
      '--environments': {
        value: false,
        help: 'also create development, staging and production in PATH (implies -p; safe to repeat)',
      },
    },
  },
  description: [
    'Each folder has its own key; its name is encrypted here, so the server sees only ids.',
    'A secret stored at a path inside a folder (secretsentry set /app/production/NAME) goes in it.',
  ],
  async run(args, io) {
    const target = pathArg(args)
    const environments = args.options.get('--environments') === true
    const parents = environments || args.options.get('--parents') === true
    const { before, after } = await withVault(io, async (v) => {
      const before = new Set((await v.refreshFolders()).map((f) => f.id))
      await v.mkdir(target, { parents })
      if (environments) await v.environments(target)
      return { before, after: v.folders() }
    })
    const made = after.filter((f) => !before.has(f.id))
    io.err(
      made.length === 0
        ? `Nothing to do: ${target} exists.\n`
        : `${made.map((f) => `Created ${folderLabel(f)}`).join('\n')}\n`,
    )
    return EXIT_OK
  },
}

export const rmdir: Command = {
  name: 'rmdir',
  summary: 'delete an empty folder',
  usage: 'secretsentry rmdir PATH',
  examples: ['secretsentry rmdir /app/old'],
  spec: { positionals: ['PATH'] },
  description: [
    'Only an empty folder: no subfolders and no secrets, counting deleted ones that can still be',
    'restored (purge them first). Nothing is deleted recursively.',
  ],
  async run(args, io) {
    const target = pathArg(args)
    await withVault(io, (v) => v.removeFolder(target))
    io.err(`Deleted the folder ${target}.\n`)
    return EXIT_OK
  },
}

export const mv: Command = {
  name: 'mv',
  summary: 'move a secret into a folder, or move or rename a folder',
  usage: 'secretsentry mv SRC DEST',
  examples: [
    'secretsentry mv /app/DB_PASSWORD /app/production',
    'secretsentry mv /app/staging /app/stage',
  ],
  spec: { positionals: ['SRC', 'DEST'] },
  description: [
    "A secret SRC goes into the existing folder DEST: each version's key is re-wrapped here under",
    "DEST's key, and the server swaps them all at once. A folder SRC goes into DEST when DEST is a",
    'folder, else it is moved and renamed to DEST. SRC ending in / always means the folder.',
  ],
  async run(args, io) {
    const [src, dest] = args.positionals as [string, string]
    const message = await withVault(io, async (v) => {
      const tree = await v.refreshFolders()
      const folder = findFolder(tree, src)
      const wantsFolder = src.trim().endsWith('/')
      let secret: SecretItem | undefined
      if (!wantsFolder) {
        try {
          secret = await v.resolve(src)
        } catch (e) {
          if (!folder) throw e
        }
      }
      if (secret && folder && !folder.root) {
        throw new UsageError(
          `mv: both a folder and a secret are at ${src}: write ${src.trim()}/ for the folder, or the secret's id`,
        )
      }
      if (secret) {
        const moved = await v.moveSecret(secret.summary, dest)
        return `Moved ${pathOf(secret)} to ${pathOf(moved)}.`
      }
      if (!folder) throw new CommandError(`no secret or folder at ${src}`, EXIT_NOT_FOUND)
      const moved = await v.moveFolder(folder.id, dest)
      return `Moved ${folderLabel(folder)} to ${folderLabel(moved)}.`
    })
    io.err(`${message}\n`)
    return EXIT_OK
  },
}

export const VAULT_COMMANDS: readonly Command[] = [
  ls,
  get,
  set,
  rm,
  restore,
  promote,
  history,
  mkdir,
  mv,
  rmdir,
]
