import { CredentialInput } from '@sealpact/protocol';
import { sealEnvelope } from '../crypto/envelope';
import { SealingKey } from './check-recipients';

/**
 * One credential per party: the file password sealed to its encryption key (SM2 or RSA-OAEP,
 * docs/crypto.md). A send seals the first credentials, the recipients', and the second, the
 * sender's own, which lets the sender open the file and grant it later.
 */
export function sealCredentials(keys: SealingKey[], password: Buffer): CredentialInput[] {
    return keys.map(({ partyId, publicKey }) => ({
        partyId,
        keyFingerprint: publicKey.fingerprint,
        algorithm: publicKey.algorithm,
        envelope: sealEnvelope(publicKey, password).toString('base64'),
    }));
}
