/** @module Whether this process is a cluster worker, decided without loading node:cluster. */

/** Set by the primary in every worker it forks: 'lead' or 'follower' (see cluster.ts). */
export const WORKER_ROLE_ENV = 'SECRETSENTRY_WORKER_ROLE'

/**
 * Node's own marker (NODE_UNIQUE_ID) is removed from a worker's environment while it boots, and
 * importing node:cluster to ask would load it into every single-process server too.
 */
export function isClusterWorker(): boolean {
  return process.env[WORKER_ROLE_ENV] !== undefined && process.send !== undefined
}
