/**
 * @module A service token's session (issue 11, keyring SPEC §11): what `secretsentry run`, `export`
 * and the SDK use with SECRETSENTRY_TOKEN. The token text stays here: the server gets the token
 * id and authKey (`Authorization: Token <id>.<authKey>`), never the text or its secret; grants
 * are opened with the token's wrapKey, and every value is decrypted here with the folder keys
 * they hold, by the same code as the owner's session (secret-crypto.ts).
 *
 * Security promises:
 * - No error message contains the token text, its secret or authKey: they end up in logs.
 * - A folder is readable only through a grant that opens under this token's wrapKey for that
 *   folder; the server cannot hand another folder's key, another token's grant, or a path it
 *   made up (paths come from the sealed root path and sealed folder metadata).
 */
import {
  openFolderMeta,
  openGrant,
  openTokenMeta,
  pathIsWithin,
  unlockServiceToken,
} from '@secretsentry/keyring'
import type { UnlockedToken } from '@secretsentry/keyring'
import type {
  TokenSecretEntry,
  TokenSecretMeta,
  TokenSecretWithValue,
  TokenSecretsResponse,
  TokenSelfResponse,
} from '@secretsentry/contract/types'
import { ClientError, localError } from './errors.ts'
import type { ClientErrorCode } from './errors.ts'
import { buildTree, folderSegments, sealedParentOf } from './folders.ts'
import type { OpenedFolderInfo } from './folders.ts'
import { connect } from './http.ts'
import type { ConnectionOptions, Method } from './http.ts'
import type { SecretMeta } from './meta.ts'
import { resolveSecret, secretPath, splitPath } from './paths.ts'
import {
  newSecretRequest,
  openAnsweredValue,
  openMetaOrNull,
  sealValue,
  viaCrypto,
} from './secret-crypto.ts'

export { ClientError } from './errors.ts'
export type { ClientErrorCode, ClientErrorDetails } from './errors.ts'
export type { ConnectionOptions, FetchLike } from './http.ts'

export interface TokenSessionInfo {
  id: string
  name: string
  /** The token's root folder, e.g. /app/production ('/' for the vault's root folder). */
  rootPath: string
  includeSubfolders: boolean
  readWrite: boolean
  stage: 'current' | 'any'
  expiresAt: string | null
}

export interface TokenSecret {
  /** Absolute, e.g. /app/production/DB_PASSWORD. */
  path: string
  /** Where the secret sits, e.g. /app/production ('/' at the top). */
  folderPath: string
  name: string
  value: string
  version: number
}

export interface TokenSession {
  readonly info: TokenSessionInfo
  /**
   * Every secret the token can read (its current values), in one request. `path` narrows to the
   * secrets at or below it, segment-wise; a path outside the token's root is folder_not_found.
   */
  secrets(options?: { path?: string }): Promise<TokenSecret[]>
  /** One secret by absolute path (or by name when unique); `stage`/`version` need a stage-any token. */
  get(
    path: string,
    options?: { stage?: 'current' | 'pending' | 'previous'; version?: number },
  ): Promise<TokenSecret>
  /**
   * A read-write token writes a new value (a new version; `pending` stages it for a rotation),
   * or creates the secret in the folder of `path` when there is none.
   */
  set(path: string, value: string, options?: { pending?: boolean }): Promise<TokenSecret>
}

/** What each 401 from the token routes means, in words that quote nothing of the token. */
const REFUSALS: Partial<Record<ClientErrorCode, string>> = {
  unauthenticated: 'The server does not accept this service token (unknown, or not this server’s).',
  token_revoked: 'This service token was revoked by its owner.',
  token_expired: 'This service token has expired.',
}

interface OpenedFolder {
  id: string
  key: Uint8Array
  /** Absolute: the root path, then the sealed names down to this folder. */
  path: string
}

/** '' for the top, else /a/b: the form paths are compared in. */
const normal = (path: string): string =>
  folderSegments(path)
    .map((s) => `/${s}`)
    .join('')
const shown = (path: string): string => (path === '' ? '/' : path)

/**
 * Absolute paths of the granted folders: the root at the sealed root path, every other folder
 * under its sealed parent. A folder whose chain of sealed parents does not reach the root through
 * granted folders is left out: there is no honest path to show for it.
 */
function placeFolders(
  rootId: string,
  rootPath: string,
  folders: { id: string; key: Uint8Array; info: OpenedFolderInfo }[],
): OpenedFolder[] {
  const byId = new Map(folders.map((f) => [f.id, f]))
  const reaches = (id: string): boolean => {
    const seen = new Set<string>()
    let at = byId.get(id)
    while (at && !seen.has(at.id)) {
      if (at.id === rootId) return true
      seen.add(at.id)
      at = at.info.sealedParent === null ? undefined : byId.get(at.info.sealedParent)
    }
    return false
  }
  const root = byId.get(rootId)
  if (!root) return []
  const reachable = [root, ...folders.filter((f) => f.id !== rootId && reaches(f.id))]
  // buildTree takes the first folder whose parent is not in the list as the root ('').
  return buildTree(reachable.map((f) => f.info)).map((item) => ({
    id: item.id,
    key: byId.get(item.id)!.key,
    path: `${rootPath}${item.path}`,
  }))
}

export async function openTokenSession(
  options: ConnectionOptions & { token: string },
): Promise<TokenSession> {
  const text = (options as { token?: unknown } | null)?.token
  if (typeof text !== 'string') {
    throw localError('bad_input', 'token must be a string', { field: 'token' })
  }
  // bad_token (or bad_input), with the keyring's message, which never quotes the text.
  const unlocked: UnlockedToken = viaCrypto(() => unlockServiceToken(text))
  const http = connect(options)
  const authorization = `Token ${unlocked.id}.${unlocked.authKey}`

  async function call<T>(method: Method, path: string, body?: unknown, extra = {}): Promise<T> {
    try {
      return await http.call<T>(method, path, {
        body,
        headers: { authorization, ...extra },
      })
    } catch (e) {
      if (e instanceof ClientError && e.status === 401) {
        const message = REFUSALS[e.code] ?? REFUSALS.unauthenticated!
        const code = e.code in REFUSALS ? e.code : 'unauthenticated'
        throw new ClientError(401, code, message, e.details)
      }
      throw e
    }
  }

  let info!: TokenSessionInfo
  let rootPath = ''
  let folders: OpenedFolder[] = []

  /** The token's flags, sealed root path, grants and folders, opened here. */
  async function load(): Promise<void> {
    const self = await call<TokenSelfResponse>('GET', '/api/token')
    if (self.token.id !== unlocked.id) {
      throw localError('bad_response', 'The server answered for another token.')
    }
    rootPath = normal(
      viaCrypto(() => openTokenMeta(unlocked.wrapKey, unlocked.id, self.token.tokenMeta)).path,
    )
    const rows = new Map(self.folders.map((f) => [f.id, f]))
    const opened: { id: string; key: Uint8Array; info: OpenedFolderInfo }[] = []
    for (const grant of self.grants) {
      const row = rows.get(grant.folderId)
      if (!row) continue
      try {
        // The role is bound into the grant: only the token's own root opens as 'root'.
        const g = openGrant(unlocked.wrapKey, unlocked.id, grant)
        if ((g.role === 'root') !== (g.folderId === self.token.rootFolderId)) continue
        const meta = openFolderMeta(g.key, g.folderId, row.meta)
        opened.push({
          id: g.folderId,
          key: g.key,
          info: {
            id: g.folderId,
            name: meta.name,
            sealedParent: sealedParentOf(meta.path),
            revision: row.revision,
          },
        })
      } catch {
        // A grant or folder row that does not open (tampered, another token's): not readable.
      }
    }
    // Keys of an earlier load are not wiped: a call still running may hold them.
    folders = placeFolders(self.token.rootFolderId, rootPath, opened)
    info = {
      id: self.token.id,
      name: self.token.name,
      rootPath: shown(rootPath),
      includeSubfolders: self.token.includeSubfolders,
      readWrite: self.token.readWrite,
      stage: self.token.stage,
      expiresAt: self.token.expiresAt,
    }
  }

  await load()

  /** The folder of a listed secret; a folder granted since the session opened is loaded once. */
  async function folderOf(
    secrets: { folderId: string }[],
  ): Promise<(id: string) => OpenedFolder | undefined> {
    if (secrets.some((s) => !folders.some((f) => f.id === s.folderId))) await load()
    return (id) => folders.find((f) => f.id === id)
  }

  interface Listed {
    entry: TokenSecretMeta & { values?: TokenSecretEntry['values'] }
    folder: OpenedFolder
    meta: SecretMeta
    /** The secret's absolute path. */
    path: string
  }

  async function listed(values: boolean): Promise<Listed[]> {
    const { secrets } = await call<TokenSecretsResponse>(
      'GET',
      values ? '/api/token/secrets' : '/api/token/secrets?values=false',
    )
    const find = await folderOf(secrets)
    const out: Listed[] = []
    for (const entry of secrets) {
      const folder = find(entry.folderId)
      const meta = folder ? openMetaOrNull(folder.key, entry) : null
      if (!folder || !meta) continue
      out.push({ entry, folder, meta, path: secretPath(meta, folder.path) })
    }
    return out.sort((a, b) => a.path.localeCompare(b.path))
  }

  const toSecret = (
    path: string,
    name: string,
    opened: { value: string; version: number },
  ): TokenSecret => ({
    path,
    folderPath: shown(path.slice(0, path.length - name.length - 1)),
    name,
    value: opened.value,
    version: opened.version,
  })

  /** `path` within the token's root, or folder_not_found (nothing outside it is the token's). */
  function narrowTo(path: string): string {
    const p = normal(path)
    if (!pathIsWithin(p, rootPath)) {
      throw localError(
        'folder_not_found',
        `${shown(p)} is outside this token's folder ${shown(rootPath)}.`,
      )
    }
    return p
  }

  async function resolve(path: string): Promise<Listed> {
    const items = (await listed(false)).map((l) => ({
      id: l.entry.id,
      meta: l.meta,
      folderPath: l.folder.path,
      summary: l,
    }))
    return resolveSecret(items, path).summary
  }

  return {
    get info() {
      return info
    },

    async secrets(opts = {}) {
      const within = opts.path === undefined ? rootPath : narrowTo(opts.path)
      const all = await listed(true)
      const dirOf = (l: Listed) => `${l.folder.path}${l.meta.path}`
      const known =
        within === rootPath ||
        folders.some((f) => pathIsWithin(f.path, within)) ||
        all.some((l) => pathIsWithin(dirOf(l), within))
      if (!known) {
        throw localError('folder_not_found', `This token has no folder at ${shown(within)}.`)
      }
      const out: TokenSecret[] = []
      for (const l of all) {
        if (!pathIsWithin(dirOf(l), within)) continue
        const current = l.entry.values?.find((v) => v.stages.includes('current'))
        if (!current) continue
        const answer = { id: l.entry.id, value: current }
        const opened = openAnsweredValue(l.folder.key, l.entry.id, answer, current.version)
        out.push(toSecret(l.path, l.meta.name, opened))
      }
      return out
    },

    async get(path, opts = {}) {
      if (opts.stage !== undefined && opts.version !== undefined) {
        throw localError('bad_input', 'Give either a stage or a version, not both.', {
          field: 'version',
        })
      }
      const l = await resolve(path)
      const query =
        opts.version !== undefined
          ? `?version=${encodeURIComponent(String(opts.version))}`
          : opts.stage !== undefined && opts.stage !== 'current'
            ? `?stage=${opts.stage}`
            : ''
      const answer = await call<TokenSecretWithValue>(
        'GET',
        `/api/token/secrets/${encodeURIComponent(l.entry.id)}${query}`,
      )
      // The version asked for, or the one the answer labels with the stage asked for.
      const stage = opts.stage ?? 'current'
      const expected =
        opts.version ?? (answer.value.stages.includes(stage) ? answer.value.version : null)
      const opened = openAnsweredValue(l.folder.key, l.entry.id, answer, expected)
      return toSecret(l.path, l.meta.name, opened)
    },

    async set(path, value, opts = {}) {
      if (typeof value !== 'string') {
        throw localError('bad_input', 'value must be a string', { field: 'value' })
      }
      if (!info.readWrite) {
        throw localError('read_only', 'This service token is read-only: it cannot write.')
      }
      const split = splitPath(path)
      const name = split.name
      // A bare name is a secret right in the token's root folder.
      const dir = path.trim().startsWith('/') ? normal(split.path) : rootPath
      const items = await listed(false)
      const existing = items.find((l) => l.path === `${dir}/${name}`)
      const stage = opts.pending ? 'pending' : 'current'
      if (existing) {
        const version = existing.entry.latestVersion + 1
        const sealed = sealValue(existing.folder.key, existing.entry.id, version, value)
        await call<TokenSecretMeta>(
          'PUT',
          `/api/token/secrets/${encodeURIComponent(existing.entry.id)}`,
          { value: { version, ...sealed, stage } },
          { 'if-match': `"${existing.entry.revision}"` },
        )
        return toSecret(existing.path, name, { value, version })
      }
      if (opts.pending) {
        throw localError(
          'secret_not_found',
          `No secret at ${path}: a pending value needs an existing secret.`,
        )
      }
      const target = narrowTo(dir)
      // The deepest granted folder at or above the path; the rest becomes the secret's own path.
      const folder = folders
        .filter((f) => pathIsWithin(target, f.path))
        .sort((a, b) => b.path.length - a.path.length)[0]
      if (!folder) {
        throw localError('folder_not_found', `This token has no folder at ${shown(target)}.`)
      }
      const meta: SecretMeta = {
        name,
        description: '',
        tags: [],
        path: target.slice(folder.path.length),
      }
      const request = newSecretRequest(folder.id, folder.key, meta, value)
      await call<TokenSecretMeta>('POST', '/api/token/secrets', request)
      return toSecret(secretPath(meta, folder.path), name, { value, version: 1 })
    },
  }
}
