/**
 * The crypto pool's work (crypto-pool.ts): hashing byte ranges, and sealing or opening one
 * container chunk in place. It is one function, run on the main thread and, from its source text,
 * in the pool's worker threads; so it uses nothing but its arguments (node:crypto arrives as
 * `crypto`) and the bytes it is given, which a caller shares (SharedArrayBuffer) with a worker.
 */
import type * as NodeCrypto from 'node:crypto';

/**
 * One chunk construction of docs/format.md ("Chunks") with its keys, as suites.ts builds it: an
 * AEAD over the chunk with the header tag as AAD (intl), or a stream cipher whose counter block is
 * the nonce padded with zeros, then an HMAC over macPrefix ‖ nonce ‖ ciphertext (gm).
 */
export type ChunkCipher =
    | { construction: 'aead'; cipher: NodeCrypto.CipherGCMTypes; key: Uint8Array; aad: Uint8Array; tagLength: number }
    | {
          construction: 'encrypt-then-mac';
          cipher: string;
          key: Uint8Array;
          ivLength: number;
          macHash: string;
          macKey: Uint8Array;
          macPrefix: Uint8Array;
          tagLength: number;
      };

/** The hash of the parts, in order, as if they were one byte string. */
export interface HashJob {
    kind: 'hash';
    algorithm: string;
    parts: Uint8Array[];
}

/** Plaintext in data[0, length) becomes the chunk on the wire in data[0, length + tagLength). */
export interface SealJob {
    kind: 'seal';
    cipher: ChunkCipher;
    nonce: Uint8Array;
    data: Uint8Array;
    length: number;
}

/**
 * The chunk on the wire in data[0, length) becomes its plaintext in data[0, length - tagLength), if
 * it authenticates under one of the nonces, tried in order; otherwise the ciphertext stays as it was.
 */
export interface OpenJob {
    kind: 'open';
    cipher: ChunkCipher;
    nonces: Uint8Array[];
    data: Uint8Array;
    length: number;
}

export type CryptoJob = HashJob | SealJob | OpenJob;

/** What each kind of job returns: the digest; nothing (the chunk is in place); the index of the nonce that opened it, or -1. */
export interface JobResults {
    hash: Uint8Array;
    seal: undefined;
    open: number;
}

/* istanbul ignore next: instrumented code could not run in a worker; crypto-jobs.test.ts checks it */
export function runCryptoJob(crypto: typeof NodeCrypto, job: CryptoJob): JobResults[CryptoJob['kind']] {
    // node:crypto hands back each output in a new buffer, which V8 frees only at a GC (for such
    // buffers alone, only past 32 MiB of them): a worker would hold tens of MiB of dead output, and
    // glibc would hand the memory back and fault it in again. Asked for a latin1 string, it frees
    // its own buffer at once, and the string lives on V8's heap, collected young and reused; its
    // bytes go back in place, 64 KiB at a time, and `then` sees them there.
    const STEP = 65536;
    const inPlace = (
        data: Uint8Array,
        length: number,
        transform: (piece: Uint8Array) => string,
        then?: (piece: Uint8Array) => void,
    ) => {
        const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        for (let at = 0; at < length; at += STEP) {
            const end = Math.min(at + STEP, length);
            bytes.write(transform(bytes.subarray(at, end)), at, end - at, 'latin1');
            then?.(bytes.subarray(at, end));
        }
    };
    if (job.kind === 'hash') {
        const hash = crypto.createHash(job.algorithm);
        for (const part of job.parts) {
            hash.update(part);
        }
        return hash.digest();
    }
    const spec = job.cipher;
    const { data, length } = job;
    if (spec.construction === 'aead') {
        const options = { authTagLength: spec.tagLength };
        if (job.kind === 'seal') {
            const cipher = crypto.createCipheriv(spec.cipher, spec.key, job.nonce, options).setAAD(spec.aad);
            inPlace(data, length, (piece) => cipher.update(piece, undefined, 'latin1'));
            cipher.final(); // an AEAD in counter mode holds nothing back; final computes the tag
            data.set(cipher.getAuthTag(), length);
            return undefined;
        }
        const split = length - spec.tagLength;
        const tag = data.slice(split, length);
        for (const [index, nonce] of job.nonces.entries()) {
            const decipher = crypto.createDecipheriv(spec.cipher, spec.key, nonce, options).setAAD(spec.aad);
            inPlace(data, split, (piece) => decipher.update(piece, undefined, 'latin1'));
            try {
                decipher.setAuthTag(tag).final(); // OpenSSL compares the tag in constant time
                return index;
            } catch {
                // Not under this nonce. The keystream of a counter mode is its own inverse, so
                // encrypting the output under the same nonce restores the ciphertext for the next.
                const cipher = crypto.createCipheriv(spec.cipher, spec.key, nonce, options).setAAD(spec.aad);
                inPlace(data, split, (piece) => cipher.update(piece, undefined, 'latin1'));
            }
        }
        return -1;
    }
    const counterBlock = (nonce: Uint8Array) => {
        const iv = new Uint8Array(spec.ivLength);
        iv.set(nonce);
        return iv;
    };
    const mac = (nonce: Uint8Array) =>
        crypto.createHmac(spec.macHash, spec.macKey).update(spec.macPrefix).update(nonce);
    if (job.kind === 'seal') {
        const cipher = crypto.createCipheriv(spec.cipher, spec.key, counterBlock(job.nonce));
        const hmac = mac(job.nonce);
        inPlace(
            data,
            length,
            (piece) => cipher.update(piece, undefined, 'latin1'),
            (ciphertext) => hmac.update(ciphertext),
        );
        cipher.final(); // a stream cipher holds nothing back
        data.set(hmac.digest(), length);
        return undefined;
    }
    // Encrypt-then-MAC: the tag is checked (in constant time) before anything is decrypted.
    const split = length - spec.tagLength;
    const tag = data.subarray(split, length);
    const index = job.nonces.findIndex((nonce) => {
        const expected = mac(nonce).update(data.subarray(0, split)).digest();
        return expected.length === tag.length && crypto.timingSafeEqual(expected, tag);
    });
    const nonce = job.nonces[index];
    if (nonce !== undefined) {
        const decipher = crypto.createDecipheriv(spec.cipher, spec.key, counterBlock(nonce));
        inPlace(data, split, (piece) => decipher.update(piece, undefined, 'latin1'));
    }
    return index;
}
