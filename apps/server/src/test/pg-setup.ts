/**
 * @module Vitest global setup of the `postgres` project: one fresh database per run, created
 * from TEST_PG_URL (an admin connection) and dropped afterwards, so runs never share state.
 * Each test app then works in its own schema inside it (see test-app.ts).
 */
import crypto from 'node:crypto'
import pg from 'pg'
import type { TestProject } from 'vitest/node'

// For the ProvidedContext type of inject('pgTestUrl') declared there.
import type {} from './test-app.ts'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = process.env.TEST_PG_URL
  if (!admin) throw new Error('TEST_PG_URL is unset; the postgres project should not run')
  const name = `ss_test_${crypto.randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  await client.query(`create database ${name}`)
  await client.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  project.provide('pgTestUrl', url.toString())
  return async () => {
    const dropper = new pg.Client({ connectionString: admin })
    await dropper.connect()
    await dropper.query(`drop database if exists ${name} with (force)`)
    await dropper.end()
  }
}
