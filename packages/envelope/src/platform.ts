/** @module The few platform members the envelope uses (WebCrypto, TextEncoder/TextDecoder), typed here so that neither DOM nor Node typings are needed. */
import { badInput } from './errors.ts'

// Typed structurally and read from globalThis, not declared as globals: the web app (DOM lib) and the
// server (Node types) type-check this source too, and a second global declaration would clash there.

export interface AesGcmParamsLike {
  name: 'AES-GCM'
  iv: Uint8Array
  additionalData: Uint8Array
  tagLength: 128
}

export interface SubtleLike {
  importKey(
    format: 'raw',
    keyData: Uint8Array,
    algorithm: { name: 'AES-GCM' },
    extractable: false,
    keyUsages: ('encrypt' | 'decrypt')[],
  ): Promise<object>
  encrypt(algorithm: AesGcmParamsLike, key: object, data: Uint8Array): Promise<ArrayBuffer>
  decrypt(algorithm: AesGcmParamsLike, key: object, data: Uint8Array): Promise<ArrayBuffer>
}

interface CryptoLike {
  getRandomValues(array: Uint8Array): Uint8Array
  /** Absent outside secure contexts (plain http pages other than localhost). */
  subtle?: SubtleLike
}

interface TextDecoderLike {
  decode(input: Uint8Array): string
}

interface Platform {
  crypto?: CryptoLike
  TextEncoder: new () => { encode(input: string): Uint8Array }
  TextDecoder: new (label: 'utf-8', options: { fatal: true }) => TextDecoderLike
}

const platform = globalThis as unknown as Platform

export function randomBytes(length: number): Uint8Array {
  const crypto = platform.crypto
  if (!crypto || typeof crypto.getRandomValues !== 'function') {
    throw badInput('crypto.getRandomValues is not available on this platform')
  }
  return crypto.getRandomValues(new Uint8Array(length))
}

/** WebCrypto's SubtleCrypto, or undefined where the page is not a secure context. */
export function subtleCrypto(): SubtleLike | undefined {
  return platform.crypto?.subtle ?? undefined
}

let encoder: { encode(input: string): Uint8Array } | undefined
let decoder: TextDecoderLike | undefined

export function utf8Encode(text: string): Uint8Array {
  encoder ??= new platform.TextEncoder()
  return encoder.encode(text)
}

/** Fatal decoding: malformed UTF-8 throws instead of turning into U+FFFD. */
export function utf8DecodeStrict(bytes: Uint8Array): string {
  decoder ??= new platform.TextDecoder('utf-8', { fatal: true })
  return decoder.decode(bytes)
}
