import { allPages, KeyRecord, PartyView, WebError } from '@sealpact/protocol';
import { registerKeys } from './flows';
import { LedgerSession } from './gateway-client';
import { readKeyFile } from './key-file';
import { generateKeys, KeyChoice, Keys, PageKey, publicKeyOf } from './page-keys';

/**
 * The page's keys over their life, as the SDK's keyring keeps them (docs/sdk.md, the keyring): new
 * keys registered (a first registration or a rotation), and the key files of an SDK or CLI keyring
 * imported. Keys a rotation replaced stay, so files sealed to them still open.
 */

/**
 * Generate keys of the chosen algorithms and register them for the next key sequence. As the SDK
 * does, they are kept (`keep`, the vault) before RegisterKeys is submitted, beside the active keys
 * (as the only keys on a first registration, which the page shows active only once the ledger
 * holds them), and made active once it committed: a failed registration leaves the active keys as
 * they were, and a committed one whose answer was lost leaves the new keys kept.
 */
export async function registerNewKeys(
    session: LedgerSession,
    current: Keys | undefined,
    choice: KeyChoice,
    keep: (keys: Keys) => Promise<void>,
): Promise<Keys> {
    const fresh = await generateKeys(choice);
    await keep(
        current === undefined
            ? fresh
            : { ...current, previous: distinct([...current.previous, fresh.encryption, fresh.signing]) },
    );
    await registerKeys(session, fresh);
    const before = current === undefined ? [] : [current.encryption, current.signing, ...current.previous];
    const registered = { ...fresh, previous: distinct(before) };
    await keep(registered);
    return registered;
}

/**
 * The keys in key files (`name` and text each) that the ledger holds for the signed-in party: every
 * file must hold one of its registered keys, and its active encryption and signing keys must be
 * among them (KEY_MISMATCH otherwise); the others are kept as previous keys.
 */
export async function importKeys(
    session: LedgerSession,
    files: Array<{ name: string; text: string }>,
    passphrase: string,
): Promise<Keys> {
    const imported = await Promise.all(files.map((file) => readKeyFile(file.text, passphrase, file.name)));
    const party = await session.query<PartyView>('GetParty', session.partyId);
    const registered = await allPages<KeyRecord>(session, 'ListKeys', session.partyId);
    return keysOnLedger(imported, party, registered);
}

/** The rule of importKeys over what the ledger says, apart from the reading. */
export function keysOnLedger(
    imported: PageKey[],
    party: Pick<PartyView, 'partyId' | 'encryptionKey' | 'signingKey'>,
    registered: Array<Pick<KeyRecord, 'fingerprint'>>,
): Keys {
    const known = new Set(registered.map((record) => record.fingerprint));
    for (const key of imported) {
        const { fingerprint } = publicKeyOf(key);
        if (!known.has(fingerprint)) {
            throw new WebError(
                'KEY_MISMATCH',
                `the key ${fingerprint} is not one the ledger holds for ${party.partyId}`,
            );
        }
    }
    const active = (fingerprint: string | null, role: string): PageKey => {
        const key = imported.find((kept) => publicKeyOf(kept).fingerprint === fingerprint);
        if (key === undefined) {
            throw new WebError(
                'KEY_MISMATCH',
                `the key files hold no private key of ${party.partyId}'s active ${role} key ${fingerprint ?? '(none)'}`,
            );
        }
        return key;
    };
    const encryption = active(party.encryptionKey, 'encryption');
    const signing = active(party.signingKey, 'signing');
    const replaced = imported.filter((key) => {
        const { fingerprint } = publicKeyOf(key);
        return fingerprint !== party.encryptionKey && fingerprint !== party.signingKey;
    });
    return { encryption, signing, previous: distinct(replaced) };
}

/** Keys once each, by fingerprint. */
function distinct(keys: PageKey[]): PageKey[] {
    const seen = new Map(keys.map((key) => [publicKeyOf(key).fingerprint, key]));
    return [...seen.values()];
}
