import { CredentialRecord, DigestAlgorithm, Drawing } from '@sealpact/protocol';
import { openEnvelope } from '../crypto/envelope';
import { generateFilePassword } from '../crypto/password';
import { Keyring, requireKeyring } from './keyring';

/**
 * The file password's two lives, each zeroed on every path once used: made fresh for a send (it
 * then lives on only inside the credentials sealed from it), or opened from the party's own
 * credential to receive, sign, reveal a commitment key or grant.
 */

/**
 * A one-off 256-bit file password: 32 CSPRNG bytes, mixed by HKDF with the digest of the
 * drawing's key points when a drawing is given (docs/password.md).
 */
export async function withNewFilePassword<T>(
    options: { drawing?: Drawing; hash: DigestAlgorithm },
    use: (password: Buffer) => Promise<T>,
): Promise<T> {
    return usePassword(generateFilePassword(options), use);
}

/** The file password in this party's own credential, opened with its keyring key of that fingerprint. */
export async function withOwnFilePassword<T>(
    keyring: Keyring | undefined,
    credential: CredentialRecord,
    use: (password: Buffer) => T | Promise<T>,
): Promise<T> {
    const key = await requireKeyring(keyring).key(credential.keyFingerprint);
    return usePassword(openEnvelope(key, Buffer.from(credential.envelope, 'base64')), use);
}

async function usePassword<T>(password: Buffer, use: (password: Buffer) => T | Promise<T>): Promise<T> {
    try {
        return await use(password);
    } finally {
        password.fill(0);
    }
}
