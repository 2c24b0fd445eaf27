import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Primitives } from '@sealpact/protocol';

/** The shared format code's primitives on Node: OpenSSL through node:crypto. */
export const nodePrimitives: Primitives = {
    hash: (algorithm, data) => createHash(algorithm).update(data).digest(),
    hmac: (algorithm, key, data) => createHmac(algorithm, key).update(data).digest(),
    hkdf: (algorithm, ikm, salt, info, length) => Buffer.from(hkdfSync(algorithm, ikm, salt, info, length)),
    randomBytes: (length) => randomBytes(length),
};

/** A Buffer over the same memory (no copy, so zeroing one zeroes the other). */
export function asBuffer(bytes: Uint8Array): Buffer {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
