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
    // node:crypto returns each output in a new buffer. Taken 64 KiB at a time and copied back in
    // place, those stay below glibc's mmap threshold (128 KiB) and reuse heap memory, where 1 MiB
    // outputs would each be mapped and page-faulted in afresh.
    const STEP = 65536;
    const inPlace = (data: Uint8Array, length: number, transform: (piece: Uint8Array) => Uint8Array) => {
        for (let at = 0; at < length; at += STEP) {
            data.set(transform(data.subarray(at, Math.min(at + STEP, length))), at);
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
            inPlace(data, length, (piece) => cipher.update(piece));
            cipher.final(); // an AEAD in counter mode holds nothing back; final computes the tag
            data.set(cipher.getAuthTag(), length);
            return undefined;
        }
        const split = length - spec.tagLength;
        const tag = data.slice(split, length);
        for (const [index, nonce] of job.nonces.entries()) {
            const decipher = crypto.createDecipheriv(spec.cipher, spec.key, nonce, options).setAAD(spec.aad);
            inPlace(data, split, (piece) => decipher.update(piece));
            try {
                decipher.setAuthTag(tag).final(); // OpenSSL compares the tag in constant time
                return index;
            } catch {
                // Not under this nonce. The keystream of a counter mode is its own inverse, so
                // encrypting the output under the same nonce restores the ciphertext for the next.
                const cipher = crypto.createCipheriv(spec.cipher, spec.key, nonce, options).setAAD(spec.aad);
                inPlace(data, split, (piece) => cipher.update(piece));
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
        inPlace(data, length, (piece) => {
            const ciphertext = cipher.update(piece);
            hmac.update(ciphertext);
            return ciphertext;
        });
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
        inPlace(data, split, (piece) => decipher.update(piece));
    }
    return index;
}
