/**
 * The per-suite cryptography of the container: key derivation, the header tag, and the chunk
 * construction with its keys. Everything else (framing, nonces, the last-chunk rule) is shared and
 * lives in container.ts; the chunk itself is sealed and opened by crypto-jobs.ts, on the crypto
 * pool. The suites differ only here.
 *
 * All primitives are node:crypto (OpenSSL). Node 20's OpenSSL has no SM4-GCM, so `gm` is SM4-CTR
 * with HMAC-SM3, encrypt-then-MAC per chunk.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import {
    containerKeyInfo,
    CryptoError,
    DigestAlgorithm,
    FILE_PASSWORD_LENGTH,
    Suite,
    SUITE_DIGEST,
} from '@sealpact/protocol';
import { ChunkCipher } from './crypto-jobs';

/** The keys of one container, bound to its suite, password and salt. */
export interface ContainerKeys {
    readonly suite: Suite;
    readonly digestAlgorithm: DigestAlgorithm;
    /** Tag length of each chunk in bytes (16 for intl, 32 for gm). */
    readonly tagLength: number;
    /** HMAC of the header body under the header key. */
    headerTag(body: Uint8Array): Buffer;
    /**
     * The chunk construction with its keys, for the crypto pool. `headerTag` is bound into every
     * chunk, so no chunk can be moved under another header. Its keys are in shared memory, which
     * `wipe` zeroes.
     */
    chunkCipher(headerTag: Buffer): ChunkCipher;
    /** Zero the chunk keys (every chunk is sealed or opened by then). */
    wipe(): void;
}

interface SuiteSpec {
    tagLength: number;
    /** Derive the chunk keys (at once: the password is wiped after) and return the construction for a header tag. */
    chunkKeys(derive: (purpose: string, length: number) => Buffer): (headerTag: Buffer) => ChunkCipher;
}

const GCM_TAG_LENGTH = 16;
const HMAC_SM3_TAG_LENGTH = 32;

const SUITES: Readonly<Record<Suite, SuiteSpec>> = {
    intl: {
        tagLength: GCM_TAG_LENGTH,
        chunkKeys(derive) {
            const key = derive('payload', 32);
            return (headerTag) => ({
                construction: 'aead',
                cipher: 'aes-256-gcm',
                key,
                aad: headerTag,
                tagLength: GCM_TAG_LENGTH,
            });
        },
    },
    gm: {
        tagLength: HMAC_SM3_TAG_LENGTH,
        chunkKeys(derive) {
            const key = derive('payload-sm4', 16);
            const macKey = derive('payload-mac', 32);
            // SM4-CTR counter block = the 12-byte chunk nonce || a 32-bit block counter from 0. Nonces
            // never repeat within a file and a chunk is at most 2^20 blocks, so no counter block is
            // ever used twice under one key. Encrypt-then-MAC: the tag covers header tag || nonce (with
            // its last flag) || ciphertext; the first two are fixed-length, so the MAC input is unambiguous.
            return (headerTag) => ({
                construction: 'encrypt-then-mac',
                cipher: 'sm4-ctr',
                key,
                ivLength: 16,
                macHash: 'sm3',
                macKey,
                macPrefix: headerTag,
                tagLength: HMAC_SM3_TAG_LENGTH,
            });
        },
    },
};

/** Refuse anything but exactly 32 bytes, so a passphrase or a hex string is never used by mistake. */
export function checkFilePassword(password: Uint8Array): Buffer {
    if (!(password instanceof Uint8Array) || password.length !== FILE_PASSWORD_LENGTH) {
        const got = password instanceof Uint8Array ? `${password.length} bytes` : typeof password;
        throw new CryptoError(
            'BAD_FILE_PASSWORD',
            `the file password must be exactly ${FILE_PASSWORD_LENGTH} bytes (got ${got})`,
        );
    }
    return Buffer.from(password.buffer, password.byteOffset, password.length);
}

/**
 * Derive a container's keys: HKDF with the suite's hash over the 32-byte file password, salted with
 * the header salt, one info string per key (see docs/format.md).
 */
export function deriveContainerKeys(suite: Suite, password: Uint8Array, salt: Uint8Array): ContainerKeys {
    const ikm = checkFilePassword(password);
    if (!Object.hasOwn(SUITES, suite)) {
        throw new CryptoError('BAD_ARGUMENT', `unknown suite "${suite}" (intl or gm)`);
    }
    const spec = SUITES[suite];
    // The suite's hash for HKDF, HMAC and the ciphertext digest.
    const digestAlgorithm = SUITE_DIGEST[suite];
    const headerKey = Buffer.from(hkdfSync(digestAlgorithm, ikm, salt, containerKeyInfo(suite, 'header'), 32));
    // Chunk keys go into shared memory: the pool's workers read them there, and wipe() reaches every copy.
    const chunkKeys: Buffer[] = [];
    const derive = (purpose: string, length: number) => {
        const key = Buffer.from(new SharedArrayBuffer(length));
        const derived = new Uint8Array(hkdfSync(digestAlgorithm, ikm, salt, containerKeyInfo(suite, purpose), length));
        key.set(derived);
        derived.fill(0);
        chunkKeys.push(key);
        return key;
    };
    const chunkCipher = spec.chunkKeys(derive);
    return {
        suite,
        digestAlgorithm,
        tagLength: spec.tagLength,
        headerTag: (body) => createHmac(digestAlgorithm, headerKey).update(body).digest(),
        chunkCipher,
        wipe() {
            headerKey.fill(0);
            for (const key of chunkKeys) {
                key.fill(0);
            }
        },
    };
}
