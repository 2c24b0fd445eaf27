import { createHmac, hkdfSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { CryptoError, DigestAlgorithm, hashOf, isCiphertextDigestAlgorithm } from '@sealpact/protocol';

/**
 * The plaintext commitment of a signing statement (docs/crypto.md, "Plaintext commitment"):
 * K = HKDF-H(IKM = file password, salt = empty, info = COMMITMENT_INFO_PREFIX ‖ file id, 32) and
 * commitment = HMAC-H(K, plaintext), H the hash of the file's digest algorithm (SM3 for sm3 and
 * sm3-tree, SHA-256 for sha256 and sha256-tree). A plain digest on the
 * ledger would let every channel member test guesses at a templated contract; the HMAC can be
 * checked only with K, which holders of the file password derive and may hand to a third party
 * for this one file without giving away the password.
 */

/** HKDF info before the file id; versioned with the signing statement it serves. */
export const COMMITMENT_INFO_PREFIX = 'sealpact-plaintext-commitment/v2\n';
/** Length of K in bytes. */
export const COMMITMENT_KEY_BYTES = 32;

/** The hash of a file's digest algorithm (either version). */
function checkDigest(digestAlgorithm: string): DigestAlgorithm {
    if (!isCiphertextDigestAlgorithm(digestAlgorithm)) {
        throw new CryptoError(
            'BAD_ARGUMENT',
            `the digest algorithm must be sm3, sha256, sm3-tree or sha256-tree, not "${digestAlgorithm}"`,
        );
    }
    return hashOf(digestAlgorithm);
}

/** K for one file: a secret like the password itself until a party reveals it on purpose. The caller zeroes it. */
export function deriveCommitmentKey(password: Buffer, fileId: string, digestAlgorithm: string): Buffer {
    const info = Buffer.from(COMMITMENT_INFO_PREFIX + fileId, 'utf8');
    return Buffer.from(hkdfSync(checkDigest(digestAlgorithm), password, Buffer.alloc(0), info, COMMITMENT_KEY_BYTES));
}

/** Hex HMAC of a file or stream under K, read chunk by chunk (constant memory for any size). */
export async function plaintextCommitment(
    key: Buffer,
    input: string | Readable,
    digestAlgorithm: string,
): Promise<string> {
    const hmac = createHmac(checkDigest(digestAlgorithm), key);
    // Fed by hand rather than piped: a piped Hmac is finalised by the stream, and digest() then returns ''.
    for await (const chunk of typeof input === 'string' ? createReadStream(input) : input) {
        hmac.update(chunk as Buffer);
    }
    return hmac.digest('hex');
}
