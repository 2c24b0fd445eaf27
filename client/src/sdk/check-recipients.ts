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
    return sealingKey(await ledger.read<PartyView>('GetParty', partyId), partyId, mustBeVerified);
}

/**
 * The sender's own key, for its second credential. The keyring's active fingerprint pins it, so
 * one peer's answer is enough: a peer that lies can only get the send refused, never make the
 * sender seal to a key other than its own (the fingerprint is the key's SHA-256). Without a pin
 * (no keyring, or none registered from it) it is a verified read like a recipient's.
 *
 * @throws NOT_FOUND (from the ledger), NO_ACTIVE_KEY or KEY_MISMATCH
 */
export async function ownKey(ledger: Ledger, partyId: string, pinned: string | undefined): Promise<SealingKey> {
    if (pinned === undefined) {
        return checkedKey(ledger, partyId, { mustBeVerified: false });
    }
    const key = sealingKey(await ledger.query<PartyView>('GetParty', partyId), partyId, false);
    if (key.publicKey.fingerprint !== pinned) {
        throw new ClientError(
            'KEY_MISMATCH',
            `${partyId}'s active encryption key on the ledger is ${key.publicKey.fingerprint}, not the keyring's ${pinned}`,
        );
    }
    return key;
}

/** The party's active encryption key, parsed and checked against its fingerprint. */
function sealingKey(party: PartyView, partyId: string, mustBeVerified: boolean): SealingKey {
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
