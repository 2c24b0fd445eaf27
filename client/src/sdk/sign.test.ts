import { createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CredentialRecord, SignatureRecordV3, Suite } from '@sealpact/protocol';
import * as commitment from '../crypto/commitment';
import { openEnvelope } from '../crypto/envelope';
import { verifyDetached } from '../crypto/signature';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';
import { useStandardParties } from '../test-support/stub-parties';
import { requireKeyring } from './keyring';
import { Sealpact } from './sealpact';

const world = useStandardParties();
afterEach(() => jest.restoreAllMocks());

/**
 * The commitment key as docs/ledger.md specifies it, computed here with node:crypto alone from
 * the password in bob's credential: HKDF-H(password, empty salt, "sealpact-plaintext-commitment/v2\n" ‖ file id, 32).
 */
async function independentKey(fileId: string, hash: string): Promise<Buffer> {
    const { bob } = world;
    const credential = await bob.ledger.query<CredentialRecord>('GetCredential', fileId);
    const key = await requireKeyring(bob.keyring).key(credential.keyFingerprint);
    const password = openEnvelope(key, Buffer.from(credential.envelope, 'base64'));
    const info = Buffer.from(`sealpact-plaintext-commitment/v2\n${fileId}`, 'utf8');
    return Buffer.from(hkdfSync(hash, password, Buffer.alloc(0), info, 32));
}

describe('sign', () => {
    it.each<[Suite, string]>([
        ['gm', 'sm3'],
        ['intl', 'sha256'],
    ])('%s: the statement commits to the contract by an HMAC anyone handed K can check', async (suite, hash) => {
        const { parties, alice, bob, ids } = world;
        const path = parties.contract(`contract-${suite}.txt`, 20_000);
        const fileId = `f-sign-${suite}`;
        const sent = await alice.send(path, { to: [ids.bob], suite, fileId });

        const signed = await bob.sign(fileId, path);

        const key = await independentKey(fileId, hash);
        const expected = createHmac(hash, key).update(readFileSync(path)).digest('hex');
        expect(signed).toMatchObject({
            schema: 'sealpact/signature/v3',
            fileId,
            signer: ids.bob,
            digestAlgorithm: `${hash}-tree`,
            plaintextCommitment: expected,
        });
        // A file shared without a plan: the statement names no contract and no step.
        expect(signed.statement).toContain(
            `\nplaintext-commitment: ${expected}\nciphertext-digest: ${sent.ciphertextDigest}\ncontract-plan: none\nstep: none\nsigner: ${ids.bob}\n`,
        );
        expect(signed).toMatchObject({ planHash: null, step: null });
        const signing = await requireKeyring(bob.keyring).active('signing');
        expect(signed.keyFingerprint).toBe(signing.publicKey.fingerprint);
        expect(
            verifyDetached(signing.publicKey, Buffer.from(signed.statement), Buffer.from(signed.signature, 'base64')),
        ).toBe(true);
        expect(await alice.signatures(fileId)).toEqual([
            expect.objectContaining<Partial<SignatureRecordV3>>({ txId: signed.txId, plaintextCommitment: expected }),
        ]);
        // Owner and signer reveal the same K.
        expect((await alice.commitmentKey(fileId)).key.equals(key)).toBe(true);
        expect((await bob.commitmentKey(fileId)).key.equals(key)).toBe(true);
    });

    it('zeroes the commitment key once the commitment is computed', async () => {
        const { parties, alice, bob, ids } = world;
        const path = parties.contract('zeroed.txt', 1000);
        await alice.send(path, { to: [ids.bob], suite: 'gm', fileId: 'f-zeroed' });
        const derive = commitment.deriveCommitmentKey;
        const derived: Buffer[] = [];
        jest.spyOn(commitment, 'deriveCommitmentKey').mockImplementation((...args) => {
            const key = derive(...args);
            derived.push(key);
            return key;
        });
        await bob.sign('f-zeroed', path);
        expect(derived).toEqual([Buffer.alloc(32)]);
    });

    it('refuses a second signature, a party without a credential and one without its keyring', async () => {
        const { parties, alice, bob, carol, ids } = world;
        const path = parties.contract('refusals.txt', 1000);
        await alice.send(path, { to: [ids.bob], suite: 'gm', fileId: 'f-refusals' });
        await bob.sign('f-refusals', path);
        await expectRejection(
            bob.sign('f-refusals', path),
            'DUPLICATE_ID',
            /^DUPLICATE_ID: Org2MSP\/bob@org2\.example\.com has already signed f-refusals$/,
        );
        await expectRejection(
            carol.sign('f-refusals', path),
            'ACCESS_DENIED',
            /^ACCESS_DENIED: Org2MSP\/carol@org2\.example\.com may not see file f-refusals$/,
        );
        await expectRejection(
            new Sealpact(bob.ledger, parties.store).sign('f-refusals', path),
            'NO_KEYRING',
            /^NO_KEYRING: /,
        );
    });
});
