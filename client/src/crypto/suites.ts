/**
 * The per-suite cryptography of the container: key derivation, the header tag, and how one chunk
 * is sealed and opened. Everything else (framing, nonces, the last-chunk rule) is shared and lives
 * in stream.ts; the suites differ only here.
 *
 * All primitives are node:crypto (OpenSSL). Node 20's OpenSSL has no SM4-GCM, so `gm` is SM4-CTR
 * with HMAC-SM3, encrypt-then-MAC per chunk.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { CryptoError, DigestAlgorithm, FILE_PASSWORD_LENGTH, Suite, SUITE_DIGEST } from '@sealpact/protocol';
import { FORMAT_VERSION } from './container-format';

/** Seals one chunk: feed the plaintext in pieces, then take the tag. */
export interface ChunkSealer {
    update(plaintext: Buffer): Buffer;
    /** The chunk's tag, to be written right after its ciphertext. */
    final(): Buffer;
}

/** Opens one chunk: feed the ciphertext in pieces, hold the output, release it only if `verify` is true. */
export interface ChunkOpener {
    update(ciphertext: Buffer): Buffer;
    verify(tag: Buffer): boolean;
}

/** The keys of one container, bound to its suite, password and salt. */
export interface ContainerKeys {
    readonly suite: Suite;
    readonly digestAlgorithm: DigestAlgorithm;
    /** Tag length of each chunk in bytes (16 for intl, 32 for gm). */
    readonly tagLength: number;
    /** HMAC of the header body under the header key. */
    headerTag(body: Buffer): Buffer;
    /** `headerTag` is bound into every chunk, so no chunk can be moved under another header. */
    sealer(nonce: Buffer, headerTag: Buffer): ChunkSealer;
    opener(nonce: Buffer, headerTag: Buffer): ChunkOpener;
}

/** HKDF info string for one derived key, e.g. `sealpact/v1/gm/payload-mac`. */
function kdfInfo(suite: Suite, purpose: string): string {
    return `sealpact/v${FORMAT_VERSION}/${suite}/${purpose}`;
}

interface SuiteSpec {
    tagLength: number;
    /** Derive the payload keys and return the chunk seal/open strategy. */
    payload(derive: (purpose: string, length: number) => Buffer): Pick<ContainerKeys, 'sealer' | 'opener'>;
}

const GCM_TAG_LENGTH = 16;

const SUITES: Readonly<Record<Suite, SuiteSpec>> = {
    intl: {
        tagLength: GCM_TAG_LENGTH,
        payload(derive) {
            const key = derive('payload', 32);
            const options = { authTagLength: GCM_TAG_LENGTH };
            return {
                sealer(nonce, headerTag) {
                    const cipher = createCipheriv('aes-256-gcm', key, nonce, options).setAAD(headerTag);
                    return {
                        update: (plaintext) => cipher.update(plaintext),
                        final() {
                            cipher.final(); // GCM emits no bytes at final; it computes the tag.
                            return cipher.getAuthTag();
                        },
                    };
                },
                opener(nonce, headerTag) {
                    const decipher = createDecipheriv('aes-256-gcm', key, nonce, options).setAAD(headerTag);
                    return {
                        update: (ciphertext) => decipher.update(ciphertext),
                        verify(tag) {
                            decipher.setAuthTag(tag);
                            try {
                                decipher.final();
                                return true;
                            } catch {
                                return false; // OpenSSL compares the tag in constant time
                            }
                        },
                    };
                },
            };
        },
    },
    gm: {
        tagLength: 32,
        payload(derive) {
            const encKey = derive('payload-sm4', 16);
            const macKey = derive('payload-mac', 32);
            // SM4-CTR counter block = the 12-byte chunk nonce || a 32-bit block counter from 0.
            // Nonces never repeat within a file and a chunk is at most 2^20 blocks, so no
            // counter block is ever used twice under one key.
            const ctrIv = (nonce: Buffer) => Buffer.concat([nonce, Buffer.alloc(4)]);
            // Encrypt-then-MAC: the tag covers header tag || nonce (with its last flag) || ciphertext;
            // the first two are fixed-length, so the MAC input is unambiguous.
            const mac = (nonce: Buffer, headerTag: Buffer) => createHmac('sm3', macKey).update(headerTag).update(nonce);
            return {
                sealer(nonce, headerTag) {
                    const cipher = createCipheriv('sm4-ctr', encKey, ctrIv(nonce));
                    const hmac = mac(nonce, headerTag);
                    return {
                        update(plaintext) {
                            const ciphertext = cipher.update(plaintext);
                            hmac.update(ciphertext);
                            return ciphertext;
                        },
                        final() {
                            cipher.final(); // CTR is a stream mode: nothing is held back.
                            return hmac.digest();
                        },
                    };
                },
                opener(nonce, headerTag) {
                    const decipher = createDecipheriv('sm4-ctr', encKey, ctrIv(nonce));
                    const hmac = mac(nonce, headerTag);
                    return {
                        update(ciphertext) {
                            hmac.update(ciphertext);
                            return decipher.update(ciphertext);
                        },
                        verify: (tag) => timingSafeEqual(hmac.digest(), tag),
                    };
                },
            };
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
export function deriveContainerKeys(suite: Suite, password: Uint8Array, salt: Buffer): ContainerKeys {
    const ikm = checkFilePassword(password);
    if (!Object.hasOwn(SUITES, suite)) {
        throw new CryptoError('BAD_ARGUMENT', `unknown suite "${suite}" (intl or gm)`);
    }
    const spec = SUITES[suite];
    // The suite's hash for HKDF, HMAC and the ciphertext digest.
    const digestAlgorithm = SUITE_DIGEST[suite];
    const derive = (purpose: string, length: number) =>
        Buffer.from(hkdfSync(digestAlgorithm, ikm, salt, kdfInfo(suite, purpose), length));
    const headerKey = derive('header', 32);
    return {
        suite,
        digestAlgorithm,
        tagLength: spec.tagLength,
        headerTag: (body) => createHmac(digestAlgorithm, headerKey).update(body).digest(),
        ...spec.payload(derive),
    };
}
