import { StubNetwork } from '../src/test-support/stub-network';
import { PARTY, credentialFor, shareFile, standardParties } from '../src/test-support/scenarios';

describe('audit', () => {
    let ledger: StubNetwork;

    beforeAll(async () => {
        ledger = new StubNetwork();
        const keys = await standardParties(ledger);
        await shareFile(ledger, 'alice', 'f1', [
            credentialFor(PARTY.alice, keys.alice.encryption, 'f1'),
            credentialFor(PARTY.bob, keys.bob.encryption, 'f1'),
        ]);
        await ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob);
    });

    it('gives auditors the history of any record, newest first, with tx ids and times', async () => {
        const history = JSON.parse(await ledger.evaluate('auditor', 'GetHistory', 'file', 'f1', ''));
        const commits = ledger.committed.filter((tx) => ['ShareFile', 'RevokeAccess'].includes(tx.transaction));
        expect(history.map((h: { txId: string }) => h.txId)).toEqual(commits.map((tx) => tx.txId).reverse());
        expect(history[0]).toMatchObject({ isDelete: false, timestamp: expect.stringMatching(/^2025-01-01T/) });
        expect(history[0].value.fileId).toBe('f1');

        const party = JSON.parse(await ledger.evaluate('auditor', 'GetHistory', 'party', PARTY.bob, ''));
        expect(party.map((h: { value: { verification: unknown } }) => h.value.verification !== null)).toEqual([
            true,
            false,
        ]);
        const credential = JSON.parse(await ledger.evaluate('auditor', 'GetHistory', 'credential', 'f1', PARTY.bob));
        expect(credential.map((h: { value: { status: string } }) => h.value.status)).toEqual(['revoked', 'active']);
        expect(JSON.stringify(credential)).not.toContain('envelope');
        const governance = JSON.parse(await ledger.evaluate('auditor', 'GetHistory', 'governance', '', ''));
        expect(governance).toHaveLength(1);
        const fileRecord = JSON.parse(await ledger.evaluate('auditor', 'GetFile', 'f1'));
        expect(fileRecord.owner).toBe(PARTY.alice);
    });

    it('refuses history to everyone else and checks its arguments', async () => {
        for (const who of ['alice', 'bob', 'verifier', 'org1Admin'] as const) {
            await expect(ledger.evaluate(who, 'GetHistory', 'file', 'f1', '')).rejects.toThrow(/^WRONG_ORG/);
        }
        await expect(ledger.evaluate('auditor', 'GetHistory', 'blocks', 'f1', '')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(ledger.evaluate('auditor', 'GetHistory', 'key', PARTY.bob, 'xyz')).rejects.toThrow(
            /^BAD_ARGUMENT/,
        );
        expect(JSON.parse(await ledger.evaluate('auditor', 'GetHistory', 'file', 'unknown', ''))).toEqual([]);
    });
});
