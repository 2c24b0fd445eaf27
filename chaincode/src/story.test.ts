import { expect } from '@jest/globals';
import { StubNetwork } from './test-support/stub-network';
import {
    credentialFor,
    fingerprintOf,
    keysOf,
    PARTY,
    registerKeys,
    shareFile,
    signatureArgs,
    standardParties,
    verifyParty,
} from './test-support/scenarios';
import { refused } from './test-support/refused';
import { evaluateJson, submitJson } from './test-support/answers';
import { STORY_HISTORY_LIMIT } from './story';

describe('GetFileStory', () => {
    let ledger: StubNetwork;
    let keys: Awaited<ReturnType<typeof standardParties>>;
    const txOf = (transaction: string, nth = 0) =>
        ledger.committed.filter((tx) => tx.transaction === transaction)[nth]?.txId;

    beforeAll(async () => {
        ledger = new StubNetwork();
        keys = await standardParties(ledger);
        await verifyParty(ledger, PARTY.carol);
        const file = await shareFile(ledger, 'alice', 'f1', [
            credentialFor(PARTY.alice, keys.alice.encryption, 'f1'),
            credentialFor(PARTY.bob, keys.bob.encryption, 'f1'),
        ]);
        const { statement, signature } = signatureArgs(file, PARTY.bob, keys.bob.signing);
        await ledger.submit('bob', 'SignContract', 'f1', statement, signature);
        await ledger.submit(
            'alice',
            'GrantAccess',
            'f1',
            JSON.stringify([credentialFor(PARTY.carol, keys.carol.encryption, 'f1')]),
        );
        await ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.carol);
        // bob re-verified after the share: the story keeps the verification in force when he got access.
        await verifyParty(ledger, PARTY.bob);
    });

    it('lists every transaction the story rests on, oldest first, each with its role and party', async () => {
        const story = await evaluateJson(ledger, 'alice', 'GetFileStory', 'f1');
        const registrations = ledger.committed.filter((tx) => tx.transaction === 'RegisterKeys');
        expect(story).toEqual({
            schema: 'sealpact/story/v1',
            fileId: 'f1',
            transactions: [
                { txId: registrations[0]?.txId, role: 'register-keys', party: PARTY.alice, at: expect.any(String) },
                { txId: registrations[1]?.txId, role: 'register-keys', party: PARTY.bob, at: expect.any(String) },
                { txId: registrations[2]?.txId, role: 'register-keys', party: PARTY.carol, at: expect.any(String) },
                { txId: txOf('RecordVerification', 0), role: 'verification', party: PARTY.bob, at: expect.any(String) },
                {
                    txId: txOf('RecordVerification', 1),
                    role: 'verification',
                    party: PARTY.carol,
                    at: expect.any(String),
                },
                { txId: txOf('ShareFile'), role: 'share', party: PARTY.alice, at: expect.any(String) },
                { txId: txOf('ShareFile'), role: 'share', party: PARTY.bob, at: expect.any(String) },
                { txId: txOf('SignContract'), role: 'sign', party: PARTY.bob, at: expect.any(String) },
                { txId: txOf('GrantAccess'), role: 'grant', party: PARTY.carol, at: expect.any(String) },
                { txId: txOf('RevokeAccess'), role: 'revoke', party: PARTY.carol, at: expect.any(String) },
            ],
        });
        const times = story.transactions.map((entry: { at: string }) => entry.at);
        expect([...times].sort()).toEqual(times);
    });

    it('names the retirement of a key used in the story once the party rotated it', async () => {
        await registerKeys(ledger, 'bob', keysOf('spare', 'sm2'));
        const story = await evaluateJson(ledger, 'bob', 'GetFileStory', 'f1');
        const retire = story.transactions.filter((entry: { role: string }) => entry.role === 'retire-keys');
        expect(retire).toEqual([
            { txId: ledger.committed.at(-1)?.txId, role: 'retire-keys', party: PARTY.bob, at: expect.any(String) },
        ]);
        expect(fingerprintOf(keys.bob.encryption)).not.toBe(fingerprintOf(keysOf('spare', 'sm2').encryption));
    });

    it('is the same for an auditor, and refused to a party without access', async () => {
        const owner = await evaluateJson(ledger, 'alice', 'GetFileStory', 'f1');
        expect(await evaluateJson(ledger, 'auditor', 'GetFileStory', 'f1')).toEqual(owner);
        await expect(ledger.evaluate('carol', 'GetFileStory', 'f1')).rejects.toThrow(
            refused('ACCESS_DENIED', 'may not see file f1'),
        );
        await expect(ledger.evaluate('alice', 'GetFileStory', 'nope')).rejects.toThrow(
            refused('NOT_FOUND', 'no file nope'),
        );
    });

    it(`refuses a record with more than ${STORY_HISTORY_LIMIT} versions rather than read it unbounded`, async () => {
        const many = new StubNetwork();
        const manyKeys = await standardParties(many);
        await shareFile(many, 'alice', 'f2', [
            credentialFor(PARTY.alice, manyKeys.alice.encryption, 'f2'),
            credentialFor(PARTY.bob, manyKeys.bob.encryption, 'f2'),
        ]);
        for (let i = 0; i < STORY_HISTORY_LIMIT / 2; i++) {
            await many.submit('alice', 'RevokeAccess', 'f2', PARTY.bob);
            await submitJson(
                many,
                'alice',
                'GrantAccess',
                'f2',
                JSON.stringify([credentialFor(PARTY.bob, manyKeys.bob.encryption, 'f2')]),
            );
        }
        await expect(many.evaluate('alice', 'GetFileStory', 'f2')).rejects.toThrow(
            refused('FIELD_TOO_LARGE', `has more than ${STORY_HISTORY_LIMIT} versions`),
        );
    });
});
