/**
 * @module Memory of a whole server, every process of it: RSS and PSS summed over a process tree
 * (SecretSentry's primary and workers; nginx's master and workers plus php-fpm's master and children).
 * PSS divides each shared page among the processes mapping it, so summing it over a tree counts
 * shared code once; summed RSS counts it in every process.
 */
import { readdirSync, readFileSync } from 'node:fs'

export interface Memory {
  rssBytes: number
  pssBytes: number
  /**
   * The anonymous part of PSS (heap, stacks; shared only with forked relatives, as php-fpm's
   * workers share their master's pages). The file-backed rest of PSS depends on who else runs:
   * every other `node` on the machine takes a share of node's code pages from ours.
   */
  pssAnonBytes: number
  processes: number
}

type Rollup = Omit<Memory, 'processes'>

/** Rss, Pss and Pss_Anon (bytes) from the text of /proc/<pid>/smaps_rollup; null when a field is missing. */
export function parseSmapsRollup(text: string): Rollup | null {
  const kib = (field: string): number | null => {
    const value = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1]
    return value === undefined ? null : Number(value) * 1024
  }
  const rss = kib('Rss')
  const pss = kib('Pss')
  const anon = kib('Pss_Anon')
  if (rss === null || pss === null || anon === null) return null
  return { rssBytes: rss, pssBytes: pss, pssAnonBytes: anon }
}

/** The parent pid from the text of /proc/<pid>/stat (fields after the last ')' are fixed). */
export function parsePpid(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}

/** `roots` and all their descendants, given each process's parent. */
export function descendants(roots: number[], parents: Map<number, number>): number[] {
  const found = new Set(roots)
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, ppid] of parents)
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid)
        grew = true
      }
  }
  return [...found].sort((a, b) => a - b)
}

function processParents(): Map<number, number> {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      parents.set(Number(entry), parsePpid(readFileSync(`/proc/${entry}/stat`, 'utf8')))
    } catch {
      // exited meanwhile
    }
  }
  return parents
}

/** The processes of the trees rooted at `roots` (Linux /proc; just the roots elsewhere). */
export function processTree(roots: number[]): number[] {
  try {
    return descendants(roots, processParents())
  } catch {
    return roots
  }
}

/** Sums RSS and PSS over the trees rooted at `roots`; null where smaps_rollup cannot be read. */
export function treeMemory(roots: number[]): Memory | null {
  const total: Memory = { rssBytes: 0, pssBytes: 0, pssAnonBytes: 0, processes: 0 }
  for (const pid of processTree(roots)) {
    let text: string
    try {
      text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    } catch {
      return null
    }
    const m = parseSmapsRollup(text)
    if (!m) return null
    total.rssBytes += m.rssBytes
    total.pssBytes += m.pssBytes
    total.pssAnonBytes += m.pssAnonBytes
    total.processes++
  }
  return total.processes > 0 ? total : null
}
