import { utf8ToBytes } from '@noble/hashes/utils';
import { DigestAlgorithm } from './suites';

/**
 * The few primitives the shared format code (file password, container header, ciphertext digest
 * framing, commitment key) needs from its platform. The Node SDK implements them with node:crypto
 * (OpenSSL), the browser with audited JavaScript (@noble/hashes for SHA-256, sm-crypto-v2 for SM3)
 * and crypto.getRandomValues; the format code above them is the same on both sides.
 * They are synchronous and small-input: bulk work (chunk ciphers, segment hashing) stays with
 * each platform's fastest API.
 */
export interface Primitives {
    /** H(data). */
    hash(algorithm: DigestAlgorithm, data: Uint8Array): Uint8Array;
    /** HMAC-H(key, data), full length. */
    hmac(algorithm: DigestAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
    /** HKDF-H (RFC 5869, extract then expand); an empty salt means HashLen zero bytes. */
    hkdf(algorithm: DigestAlgorithm, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
    /** Bytes from the platform's CSPRNG. */
    randomBytes(length: number): Uint8Array;
}

/** The UTF-8 bytes of a string (HKDF info strings, statements). */
export const utf8 = utf8ToBytes;
