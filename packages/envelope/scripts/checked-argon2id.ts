/** @module noble's Argon2id for the vector generators, checked against RFC 9106 §5.3 first: the one primitive they borrow instead of taking it from node:crypto (Node 20 has no Argon2). */
/* eslint-disable no-restricted-globals -- a Node-only generator helper; src/ never imports it. */
import { argon2id } from '@noble/hashes/argon2.js'

// Refuse to write any vectors if the borrowed primitive is off.
const rfc9106 = argon2id(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2), {
  m: 32,
  t: 3,
  p: 4,
  dkLen: 32,
  key: new Uint8Array(8).fill(3),
  personalization: new Uint8Array(12).fill(4),
})
if (
  Buffer.from(rfc9106).toString('hex') !==
  '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659'
) {
  throw new Error('argon2id does not reproduce RFC 9106 §5.3')
}

export { argon2id }
