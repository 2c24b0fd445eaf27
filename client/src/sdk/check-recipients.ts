import { ClientError, parsePublicKey, PartyView, PublicKeyInfo } from '@sealpact/protocol';
import { Ledger } from './ledger';

/** A party and the encryption key on the ledger its credential is sealed to. */
export interface SealingKey {
    partyId: string;
    publicKey: PublicKeyInfo;
}

/**
 * The patent's precondition for sealing anything to a party: it is registered, holds an active
 * encryption key whose PEM matches its fingerprint, and (for a recipient) an identity authority
 * verified it. Checked before any secret exists; the chaincode checks all of it again.
 *
 * @throws NOT_FOUND (from the ledger), NO_ACTIVE_KEY, NOT_VERIFIED or KEY_MISMATCH
 */
export async function checkedKey(
    ledger: Ledger,
    partyId: string,
    { mustBeVerified }: { mustBeVerified: boolean },
): Promise<SealingKey> {
    const party = await ledger.read<PartyView>('GetParty', partyId);
    const record = party.keys.find((key) => key.fingerprint === party.encryptionKey && key.status === 'active');
    if (record === undefined) {
        throw new ClientError('NO_ACTIVE_KEY', `${partyId} has no active encryption key on the ledger`);
    }
    if (mustBeVerified && !party.verified) {
        throw new ClientError('NOT_VERIFIED', `${partyId} is not verified by an identity authority`);
    }
    const publicKey = parsePublicKey(record.publicKeyPem, `${partyId}'s encryption key`);
    if (publicKey.fingerprint !== record.fingerprint) {
        throw new ClientError('KEY_MISMATCH', `${partyId}'s key on the ledger does not match its fingerprint`);
    }
    return { partyId, publicKey };
}

/** Each recipient's checked key, once per party; any refusal rejects the whole check. */
export async function checkRecipients(ledger: Ledger, partyIds: string[]): Promise<SealingKey[]> {
    return Promise.all([...new Set(partyIds)].map((partyId) => checkedKey(ledger, partyId, { mustBeVerified: true })));
}
