import { utf8ToBytes } from '@noble/hashes/utils';
import { CryptoError } from './errors';
import { Primitives } from './primitives';
import { DigestAlgorithm, hashOf, isCiphertextDigestAlgorithm } from './suites';

/**
 * The plaintext commitment of a signing statement (docs/crypto.md, "Plaintext commitment"):
 * K = HKDF-H(IKM = file password, salt = empty, info = COMMITMENT_INFO_PREFIX ‖ file id, 32) and
 * commitment = HMAC-H(K, plaintext), H the hash of the file's digest algorithm (SM3 for sm3 and
 * sm3-tree, SHA-256 for sha256 and sha256-tree). A plain digest on the
 * ledger would let every channel member test guesses at a templated contract; the HMAC can be
 * checked only with K, which holders of the file password derive and may hand to a third party
 * for this one file without giving away the password. The HMAC over the plaintext is each
 * platform's own (streamed on Node, in the browser over the file it holds).
 */

/** HKDF info before the file id; versioned with the signing statement it serves. */
export const COMMITMENT_INFO_PREFIX = 'sealpact-plaintext-commitment/v2\n';
/** Length of K in bytes. */
export const COMMITMENT_KEY_BYTES = 32;

/** The hash of a file's digest algorithm (either version). */
export function commitmentHash(digestAlgorithm: string): DigestAlgorithm {
    if (!isCiphertextDigestAlgorithm(digestAlgorithm)) {
        throw new CryptoError(
            'BAD_ARGUMENT',
            `the digest algorithm must be sm3, sha256, sm3-tree or sha256-tree, not "${digestAlgorithm}"`,
        );
    }
    return hashOf(digestAlgorithm);
}

/** K for one file: a secret like the password itself until a party reveals it on purpose. The caller zeroes it. */
export function deriveCommitmentKey(
    password: Uint8Array,
    fileId: string,
    digestAlgorithm: string,
    primitives: Primitives,
): Uint8Array {
    const info = utf8ToBytes(COMMITMENT_INFO_PREFIX + fileId);
    return primitives.hkdf(commitmentHash(digestAlgorithm), password, new Uint8Array(0), info, COMMITMENT_KEY_BYTES);
}
