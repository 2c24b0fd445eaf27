import { hkdf } from '@noble/hashes/hkdf';
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { hexToBytes, Primitives } from '@sealpact/protocol';
import { hkdf as hkdfSm3, sm3 } from 'sm-crypto-v2';

/**
 * The shared format code's primitives in the browser: SHA-256 from @noble/hashes, SM3 from
 * sm-crypto-v2 (both audited JavaScript, synchronous as the shared code wants; the bulk work uses
 * WebCrypto, see container.ts), randomness from crypto.getRandomValues.
 */
export const browserPrimitives: Primitives = {
    hash: (algorithm, data) => (algorithm === 'sha256' ? sha256(data) : hexToBytes(sm3(data))),
    hmac: (algorithm, key, data) =>
        algorithm === 'sha256' ? hmac(sha256, key, data) : hexToBytes(sm3(data, { key, mode: 'hmac' })),
    hkdf: (algorithm, ikm, salt, info, length) =>
        algorithm === 'sha256' ? hkdf(sha256, ikm, salt, info, length) : hkdfSm3(ikm, salt, info, length),
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
};
