/** @module Queries built and compiled by Kysely once, then run many times with new values. */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'

/** Stands for a value supplied at run time; Kysely compiles it to an ordinary parameter. */
class Slot {
  constructor(readonly name: string) {}
}

type Slots<A> = { [K in keyof A]: A[K] }

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
    return db.executeQuery<R>({ ...query, parameters })
  }
}
