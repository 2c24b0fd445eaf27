import { keyRegistrationStatement, PartyView, WhoAmI } from '@sealpact/protocol';
import { PrivateKeyInfo } from '../crypto/keys';
import { signDetached } from '../crypto/signature';
import { Keyring } from './keyring';
import { Ledger } from './ledger';

/**
 * The patent's first step: register (or rotate to) an encryption key and a signing key (they may
 * be one key pair), each proving possession by signing the key-registration statement for the
 * party's next key sequence. The keys go into the keyring first and are marked active only once
 * RegisterKeys committed, so a failed registration leaves the active keys as they were.
 */
export async function registerKeys(
    ledger: Ledger,
    keyring: Keyring,
    encryption: PrivateKeyInfo,
    signing: PrivateKeyInfo,
): Promise<PartyView & { txId: string }> {
    await keyring.add(encryption, signing);
    const me = await ledger.query<WhoAmI>('WhoAmI');
    const statement = Buffer.from(
        keyRegistrationStatement({
            channel: me.channel,
            chaincode: me.chaincode,
            partyId: me.partyId,
            sequence: me.nextKeySequence,
            encryptionKey: encryption.publicKey.fingerprint,
            signingKey: signing.publicKey.fingerprint,
        }),
    );
    const committed = await ledger.submit(
        'RegisterKeys',
        encryption.publicKey.pem,
        signDetached(encryption, statement).toString('base64'),
        signing.publicKey.pem,
        signDetached(signing, statement).toString('base64'),
    );
    await keyring.activate(encryption.publicKey.fingerprint, signing.publicKey.fingerprint);
    return { ...(JSON.parse(committed.payload) as PartyView), txId: committed.txId };
}
