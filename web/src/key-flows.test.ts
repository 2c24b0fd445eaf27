import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRecord, PartyView } from '@sealpact/protocol';
import { StubNetwork } from '../../chaincode/src/test-support/stub-network';
import { PARTY, registerKeys as sdkRegister, setGovernance } from '../../chaincode/src/test-support/scenarios';
import { expectRejection } from '../../protocol/src/test-support/expect-error';
import { generateKeyPair, PrivateKeyInfo } from '../../client/src/crypto/keys';
import { Keyring } from '../../client/src/sdk/keyring';
import { LedgerSession } from './gateway-client';
import { importKeys, registerNewKeys } from './key-flows';
import { Keys, publicKeyOf } from './page-keys';

// RSA-3072 generation takes seconds on a loaded machine.
jest.setTimeout(60_000);

// The page's key flows against the chaincode's own rules (its unit-test peer, StubNetwork): proofs of
// possession it accepts for each choice of algorithms, a rotation, and the import of an SDK keyring's
// files checked against the ledger. test/web-keys.test.ts runs them in Chromium on the real network.

const PASSPHRASE = 'keyring passphrase';

/** alice's session on the test peer, as the page's gateway session answers. */
function aliceOn(ledger: StubNetwork): LedgerSession {
    return {
        partyId: PARTY.alice,
        query: async <T>(transaction: string, ...args: string[]) =>
            JSON.parse(await ledger.evaluate('alice', transaction, ...args)) as T,
        submit: async (transaction: string, ...args: string[]) => {
            const { payload, txId } = await ledger.submit('alice', transaction, ...args);
            return { result: payload, txId };
        },
    };
}

async function readyLedger(): Promise<StubNetwork> {
    const ledger = new StubNetwork();
    await setGovernance(ledger);
    return ledger;
}

const fingerprints = (keys: Keys) => ({
    encryption: publicKeyOf(keys.encryption).fingerprint,
    signing: publicKeyOf(keys.signing).fingerprint,
    previous: keys.previous.map((key) => publicKeyOf(key).fingerprint).sort(),
});

describe('keys registered from the page', () => {
    it.each([
        ['rsa', 'rsa'],
        ['rsa', 'sm2'],
        ['sm2', 'rsa'],
    ] as const)('encryption %s, signing %s: the chaincode accepts their proofs', async (encryption, signing) => {
        const ledger = await readyLedger();
        const kept: Keys[] = [];
        const keys = await registerNewKeys(aliceOn(ledger), undefined, { encryption, signing }, (k) => {
            kept.push(k);
            return Promise.resolve();
        });
        const party = await aliceOn(ledger).query<PartyView>('GetParty', PARTY.alice);
        expect(party.keySequence).toBe(1);
        expect({ encryption: party.encryptionKey, signing: party.signingKey }).toEqual({
            encryption: publicKeyOf(keys.encryption).fingerprint,
            signing: publicKeyOf(keys.signing).fingerprint,
        });
        expect(party.keys.map((key) => key.algorithm).sort()).toEqual([encryption, signing].sort());
        // Kept before RegisterKeys, and again once it committed.
        expect(kept).toEqual([keys, keys]);
    });

    it('rotate: the next sequence, the old keys rotated on the ledger and kept in the page', async () => {
        const ledger = await readyLedger();
        const session = aliceOn(ledger);
        const kept: Keys[] = [];
        const keep = (keys: Keys) => {
            kept.push(keys);
            return Promise.resolve();
        };
        const first = await registerNewKeys(session, undefined, { encryption: 'sm2', signing: 'sm2' }, keep);
        const second = await registerNewKeys(session, first, { encryption: 'rsa', signing: 'sm2' }, keep);
        const party = await session.query<PartyView>('GetParty', PARTY.alice);
        expect(party.keySequence).toBe(2);
        expect(party.encryptionKey).toBe(publicKeyOf(second.encryption).fingerprint);
        const old = fingerprints(first);
        expect(fingerprints(second).previous).toEqual([old.encryption, old.signing].sort());
        const statuses = await session.query<{ items: KeyRecord[] }>('ListKeys', PARTY.alice, '10', '');
        expect(
            statuses.items
                .filter((key) => key.status === 'rotated')
                .map((key) => key.fingerprint)
                .sort(),
        ).toEqual([old.encryption, old.signing].sort());
        // Before RegisterKeys the new keys were kept, not yet active; then made active.
        const before = fingerprints(kept[2] as Keys);
        expect(before.encryption).toBe(old.encryption);
        expect(before.previous).toEqual(
            [publicKeyOf(second.encryption).fingerprint, publicKeyOf(second.signing).fingerprint].sort(),
        );
        expect(kept[3]).toEqual(second);
    });

    it('a rotation that does not commit leaves the active keys as they were, the new ones kept aside', async () => {
        const ledger = await readyLedger();
        const noop = () => Promise.resolve();
        const first = await registerNewKeys(aliceOn(ledger), undefined, { encryption: 'sm2', signing: 'sm2' }, noop);
        // The gateway answers nothing: whether RegisterKeys committed is unknown.
        const lost: LedgerSession = { ...aliceOn(ledger), submit: () => Promise.reject(new Error('connection reset')) };
        const kept: Keys[] = [];
        const keep = (keys: Keys) => {
            kept.push(keys);
            return Promise.resolve();
        };
        await expect(registerNewKeys(lost, first, { encryption: 'rsa', signing: 'sm2' }, keep)).rejects.toThrow(
            'connection reset',
        );
        expect(kept).toHaveLength(1);
        const after = fingerprints(kept[0] as Keys);
        expect({ encryption: after.encryption, signing: after.signing }).toEqual({
            encryption: fingerprints(first).encryption,
            signing: fingerprints(first).signing,
        });
        expect(after.previous).toHaveLength(2);
    });
});

describe('key files of an SDK keyring, imported', () => {
    /** The files the SDK's keyring writes for these keys, as a person would pick them. */
    async function keyringFiles(...keys: PrivateKeyInfo[]): Promise<Array<{ name: string; text: string }>> {
        const dir = mkdtempSync(join(tmpdir(), 'sealpact-web-keyring-'));
        const keyring = await Keyring.open(dir, PASSPHRASE);
        await keyring.add(...keys);
        return keys.map(({ publicKey }) => {
            const name = `${publicKey.fingerprint}.key.pem`;
            return { name, text: readFileSync(join(dir, name), 'utf8') };
        });
    }

    let ledger: StubNetwork;
    const [oldEncryption, oldSigning, encryption, signing] = [
        generateKeyPair('rsa', { bits: 2048 }),
        generateKeyPair('sm2'),
        generateKeyPair('sm2'),
        generateKeyPair('rsa', { bits: 2048 }),
    ];
    beforeAll(async () => {
        ledger = await readyLedger();
        await sdkRegister(ledger, 'alice', { encryption: oldEncryption.key, signing: oldSigning.key });
        await sdkRegister(ledger, 'alice', { encryption: encryption.key, signing: signing.key });
    });

    it('gives the active keys and those they replaced, as the ledger has them', async () => {
        const files = await keyringFiles(oldEncryption, oldSigning, encryption, signing);
        const keys = await importKeys(aliceOn(ledger), files, PASSPHRASE);
        expect(fingerprints(keys)).toEqual({
            encryption: encryption.publicKey.fingerprint,
            signing: signing.publicKey.fingerprint,
            previous: [oldEncryption.publicKey.fingerprint, oldSigning.publicKey.fingerprint].sort(),
        });
    });

    it('refuses files without an active key, or with a key not registered for the party: KEY_MISMATCH', async () => {
        await expectRejection(
            importKeys(aliceOn(ledger), await keyringFiles(oldEncryption, signing), PASSPHRASE),
            'KEY_MISMATCH',
            `the key files hold no private key of ${PARTY.alice}'s active encryption key ${encryption.publicKey.fingerprint}`,
        );
        const stranger = generateKeyPair('sm2');
        await expectRejection(
            importKeys(aliceOn(ledger), await keyringFiles(encryption, signing, stranger), PASSPHRASE),
            'KEY_MISMATCH',
            `the key ${stranger.publicKey.fingerprint} is not one the ledger holds for ${PARTY.alice}`,
        );
    });

    it('refuses a wrong passphrase: BAD_PASSPHRASE', async () => {
        await expectRejection(
            importKeys(aliceOn(ledger), await keyringFiles(encryption, signing), 'another passphrase'),
            'BAD_PASSPHRASE',
            /wrong passphrase or damaged file/,
        );
    });
});
