/** @module Queries built and compiled by Kysely once, then run many times with new values. */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'

/** Stands for a value supplied at run time; Kysely compiles it to an ordinary parameter. */
class Slot {
  constructor(readonly name: string) {}
}

type Slots<A> = { [K in keyof A]: A[K] }

/** Runs a compiled statement at once on the connection, with the result Kysely's driver gives. */
export type DirectRunner = (sql: string, parameters: readonly unknown[]) => QueryResult<unknown>

/** By the Kysely adapter of the database they run on; only SQLite registers one (database.ts). */
const directRunners = new WeakMap<object, DirectRunner>()

/**
 * Inside a transaction on `adapter`'s database, prepared queries run through `run` instead of
 * Kysely's executor. The transaction already holds the database's one connection, so Kysely's
 * path adds only its layers of async calls (connection provider, mutex, driver, result plugins:
 * six promises a statement). Outside a transaction the executor's mutex is what keeps a query
 * from running in the middle of someone else's transaction, so those always take Kysely's path.
 */
export function runDirectlyInTransactions(adapter: object, run: DirectRunner): void {
  directRunners.set(adapter, run)
}

/**
 * Building and compiling a Kysely query costs several times more than SQLite takes to run these
 * one-row statements, and the hot paths run the same few shapes thousands of times a second.
 * So each shape is built once with placeholder slots, compiled by the database's own dialect
 * (so this stays dialect-neutral), and later runs only swap in the values.
 */
export function prepared<DB, A extends Record<string, unknown>, R>(
  build: (db: Kysely<DB>, args: Slots<A>) => Compilable<R>,
): (db: Kysely<DB>, args: A) => Promise<QueryResult<R>> {
  let compiled: { adapter: unknown; query: CompiledQuery<R>; names: (string | null)[] } | undefined
  return (db, args) => {
    // A process talks to one dialect; the adapter check only guards against mixing them.
    const adapter = db.getExecutor().adapter
    if (compiled?.adapter !== adapter) {
      const slots = new Proxy({} as Slots<A>, { get: (_t, name) => new Slot(String(name)) })
      const query = build(db, slots).compile()
      const names = query.parameters.map((p) => (p instanceof Slot ? p.name : null))
      compiled = { adapter, query, names }
    }
    const { query, names } = compiled
    const parameters = query.parameters.map((fixed, i) => {
      const name = names[i]
      return name === null || name === undefined ? fixed : args[name]
    })
    if (db.isTransaction) {
      const direct = directRunners.get(adapter)
      if (direct) {
        try {
          return Promise.resolve(direct(query.sql, parameters) as QueryResult<R>)
        } catch (err) {
          return Promise.reject(err as Error)
        }
      }
    }
    return db.executeQuery<R>({ ...query, parameters })
  }
}
