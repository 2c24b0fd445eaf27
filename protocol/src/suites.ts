/**
 * Cipher suites: `gm` (SM2/SM3/SM4) and `intl` (RSA/SHA-256/AES). The one place that names them,
 * their hash functions, the algorithms of a container's ciphertext digest and the file password's
 * length, for the chaincode, the client's file cipher, stores and ledger records alike.
 */
export type Suite = 'gm' | 'intl';
/** A hash function, by its node:crypto (and OpenSSL) name. */
export type DigestAlgorithm = 'sm3' | 'sha256';
/**
 * How a container's ciphertext digest is computed (docs/format.md, "Ciphertext digest"): a suite's
 * hash over all bytes in one stream (`sha256`, `sm3`: version 1, still read and verified), or the
 * same hash as a two-level tree over 1 MiB segments (`sha256-tree`, `sm3-tree`: version 2, what
 * new containers record), whose segments hash in parallel.
 */
export type CiphertextDigestAlgorithm = DigestAlgorithm | 'sha256-tree' | 'sm3-tree';

/** The hash each suite uses for HKDF, HMAC, file digests and signing statements. */
export const SUITE_DIGEST: Readonly<Record<Suite, DigestAlgorithm>> = { gm: 'sm3', intl: 'sha256' };

/** The ciphertext digest algorithm a new container of each suite records. */
export const SUITE_CIPHERTEXT_DIGEST: Readonly<Record<Suite, CiphertextDigestAlgorithm>> = {
    gm: 'sm3-tree',
    intl: 'sha256-tree',
};

/** Every hash function, by its node:crypto (and OpenSSL) name. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sm3'];

/** Every ciphertext digest algorithm, version 1 and version 2. */
export const CIPHERTEXT_DIGEST_ALGORITHMS: readonly CiphertextDigestAlgorithm[] = [
    'sha256',
    'sm3',
    'sha256-tree',
    'sm3-tree',
];

/** Length of a file password in bytes: 256 bits, also the length of each HKDF input mixed into it. */
export const FILE_PASSWORD_LENGTH = 32;

export function isSuite(value: unknown): value is Suite {
    return typeof value === 'string' && Object.hasOwn(SUITE_DIGEST, value);
}

export function isDigestAlgorithm(value: unknown): value is DigestAlgorithm {
    return DIGEST_ALGORITHMS.includes(value as DigestAlgorithm);
}

export function isCiphertextDigestAlgorithm(value: unknown): value is CiphertextDigestAlgorithm {
    return CIPHERTEXT_DIGEST_ALGORITHMS.includes(value as CiphertextDigestAlgorithm);
}

/** The hash a ciphertext digest algorithm is built on: `sha256-tree` → `sha256`. */
export function hashOf(algorithm: CiphertextDigestAlgorithm): DigestAlgorithm {
    return algorithm.startsWith('sm3') ? 'sm3' : 'sha256';
}

/** The ciphertext digest algorithms a container of `suite` may record: its hash, as version 2 or 1. */
export function ciphertextDigestsOf(suite: Suite): CiphertextDigestAlgorithm[] {
    return [SUITE_CIPHERTEXT_DIGEST[suite], SUITE_DIGEST[suite]];
}
