import { constants, verify } from 'node:crypto';
import { PublicKeyInfo, RSA_PSS_SALT_LENGTH, verifySm2Signature } from '@sealpact/protocol';

/**
 * Verify a detached signature over `message` as the chaincode accepts it: SM2 with SM3 and the
 * default user id (DER r,s as in GM/T 0009; pure JS, in @sealpact/protocol), or RSA-PSS with
 * SHA-256, MGF1-SHA-256 and a 32-byte salt (node:crypto, OpenSSL).
 * Returns false for any bad signature; never throws on malformed signature bytes.
 */
export function verifySignature(key: PublicKeyInfo, message: Uint8Array, signature: Uint8Array): boolean {
    if (key.algorithm === 'sm2') {
        return verifySm2Signature(key, message, signature);
    }
    try {
        return verify(
            'sha256',
            message,
            { key: key.pem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH },
            signature,
        );
    } catch {
        return false;
    }
}
