import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { CryptoError, parsePublicKey, PublicKeyInfo, sm2Open, sm2Seal } from '@sealpact/protocol';
import { PrivateKeyInfo, sm2PrivateScalarHex } from './keys';
import { asBuffer } from './node-primitives';

/**
 * RSA-OAEP parameters of every RSA envelope: SHA-256, MGF1 with SHA-256 (OpenSSL uses the OAEP
 * digest for MGF1 unless told otherwise, and Node never tells it otherwise), empty label.
 */
export const RSA_OAEP_OPTIONS = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;
/** OAEP overhead: 2 * SHA-256 length + 2 (RFC 8017, 7.1.1). */
const OAEP_OVERHEAD = 2 * 32 + 2;
/**
 * Shortest password an envelope may carry. GM/T 0003.4 makes the sender retry when the SM2 key
 * stream t is all zero (C2 would equal M); sm-crypto-v2 does not, and from 16 bytes on that
 * happens with probability 2^-128. File passwords are 32 bytes.
 */
export const MIN_PASSWORD_BYTES = 16;
/** SM2 has no inherent limit; this keeps envelopes small. */
export const MAX_SM2_PLAINTEXT = 1024;

/**
 * Seal a file password for a recipient public key (PEM SPKI or a parsed key): SM2 encryption
 * output as GM/T 0009 DER, or RSA-OAEP (SHA-256, MGF1-SHA-256) as one modulus-sized block.
 * Throws PASSWORD_TOO_SHORT, PASSWORD_TOO_LONG, or the key errors of parsePublicKey.
 */
export function sealEnvelope(recipient: string | PublicKeyInfo, password: Uint8Array): Buffer {
    const key = typeof recipient === 'string' ? parsePublicKey(recipient, 'recipient public key') : recipient;
    if (password.length < MIN_PASSWORD_BYTES) {
        throw new CryptoError(
            'PASSWORD_TOO_SHORT',
            `the password is ${password.length} bytes; an envelope holds at least ${MIN_PASSWORD_BYTES}`,
        );
    }
    const limit = key.algorithm === 'sm2' ? MAX_SM2_PLAINTEXT : Math.ceil(key.bits / 8) - OAEP_OVERHEAD;
    if (password.length > limit) {
        throw new CryptoError(
            'PASSWORD_TOO_LONG',
            `the password is ${password.length} bytes; an ${key.algorithm.toUpperCase()}-${key.bits} envelope holds at most ${limit}`,
        );
    }
    if (key.algorithm === 'sm2') {
        return asBuffer(sm2Seal(key, password));
    }
    return publicEncrypt({ key: key.pem, ...RSA_OAEP_OPTIONS }, password);
}

/**
 * Open an envelope with the recipient's private key; the algorithm comes from the key.
 * Throws BAD_ENVELOPE for malformed input (bad DER, C1 off the curve, wrong length, an empty
 * password) and ENVELOPE_OPEN_FAILED when it does not decrypt (wrong key, altered bytes).
 */
export function openEnvelope(key: PrivateKeyInfo, envelope: Uint8Array): Buffer {
    const password =
        key.algorithm === 'sm2' ? asBuffer(sm2Open(sm2PrivateScalarHex(key), envelope)) : rsaOpen(key, envelope);
    if (password.length === 0) {
        throw new CryptoError('BAD_ENVELOPE', 'the envelope holds an empty password');
    }
    return password;
}

function rsaOpen(key: PrivateKeyInfo, envelope: Uint8Array): Buffer {
    const size = Math.ceil(key.publicKey.bits / 8);
    // RFC 8017 7.1.2: the ciphertext is exactly k bytes (OpenSSL would accept shorter ones).
    if (envelope.length !== size) {
        throw new CryptoError('BAD_ENVELOPE', `RSA envelope is ${envelope.length} bytes, not ${size}`);
    }
    try {
        return privateDecrypt({ key: key.key, ...RSA_OAEP_OPTIONS }, envelope);
    } catch {
        throw new CryptoError(
            'ENVELOPE_OPEN_FAILED',
            'RSA envelope does not open with this key (wrong key or altered)',
        );
    }
}
