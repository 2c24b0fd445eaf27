/**
 * Cipher suites: `gm` (SM2/SM3/SM4) and `intl` (RSA/SHA-256/AES). The one place that names them,
 * their digest algorithms and the file password's length, for the chaincode, the client's file
 * cipher, stores and ledger records alike.
 */
export type Suite = 'gm' | 'intl';
export type DigestAlgorithm = 'sm3' | 'sha256';

/** The digest algorithm each suite uses for HKDF, HMAC, file digests and signing statements. */
export const SUITE_DIGEST: Readonly<Record<Suite, DigestAlgorithm>> = { gm: 'sm3', intl: 'sha256' };

/** Every digest algorithm, by its node:crypto (and OpenSSL) name. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sm3'];

/** Length of a file password in bytes: 256 bits, also the length of each HKDF input mixed into it. */
export const FILE_PASSWORD_LENGTH = 32;

export function isSuite(value: unknown): value is Suite {
    return typeof value === 'string' && Object.hasOwn(SUITE_DIGEST, value);
}

export function isDigestAlgorithm(value: unknown): value is DigestAlgorithm {
    return DIGEST_ALGORITHMS.includes(value as DigestAlgorithm);
}
