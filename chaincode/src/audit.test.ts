import { expect } from '@jest/globals';
import { defined } from '../../protocol/src/test-support/defined';
import { StubNetwork } from './test-support/stub-network';
import { PARTY, credentialFor, shareFile, standardParties } from './test-support/scenarios';
import { refused } from './test-support/refused';
import { evaluateJson } from './test-support/answers';

describe('audit', () => {
    let ledger: StubNetwork;
    /** Every history entry of a record, read `pageSize` at a time. */
    const history = async (kind: string, id: string, subId = '', pageSize = '100') => {
        const pages = [];
        let bookmark = '';
        do {
            const page = await evaluateJson(ledger, 'auditor', 'GetHistory', kind, id, subId, pageSize, bookmark);
            pages.push(page.items);
            bookmark = page.bookmark;
        } while (bookmark !== '');
        return pages;
    };

    let keys: Awaited<ReturnType<typeof standardParties>>;

    beforeAll(async () => {
        ledger = new StubNetwork();
        keys = await standardParties(ledger);
        await shareFile(ledger, 'alice', 'f1', [
            credentialFor(PARTY.alice, keys.alice.encryption, 'f1'),
            credentialFor(PARTY.bob, keys.bob.encryption, 'f1'),
        ]);
        await ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob);
    });

    it('gives auditors the history of any record, newest first, with tx ids and times', async () => {
        const file = (await history('file', 'f1')).flat();
        const commits = ledger.committed.filter((tx) => ['ShareFile', 'RevokeAccess'].includes(tx.transaction));
        expect(file.map((h) => h.txId)).toEqual(commits.map((tx) => tx.txId).reverse());
        expect(file[0]).toMatchObject({ isDelete: false, timestamp: expect.stringMatching(/^2025-01-01T/) });
        expect(file[0]?.value?.fileId).toBe('f1');

        const party = (await history('party', PARTY.bob)).flat();
        expect(party.map((h) => defined(h.value).verification !== null)).toEqual([true, false]);
        const credential = (await history('credential', 'f1', PARTY.bob)).flat();
        expect(credential.map((h) => defined(h.value).status)).toEqual(['revoked', 'active']);
        expect(JSON.stringify(credential)).not.toContain('envelope');
        expect((await history('governance', '')).flat()).toHaveLength(1);
        const fileRecord = await evaluateJson(ledger, 'auditor', 'GetFile', 'f1');
        expect(fileRecord.owner).toBe(PARTY.alice);
    });

    it('pages newest first; a bookmark stays put while newer versions are written', async () => {
        for (let i = 0; i < 3; i++) {
            await ledger.submit(
                'alice',
                'GrantAccess',
                'f1',
                JSON.stringify([credentialFor(PARTY.bob, keys.bob.encryption, 'f1')]),
            );
        }
        const whole = await history('file', 'f1');
        expect(whole).toHaveLength(1);
        expect(whole[0]).toHaveLength(5);
        const pages = await history('file', 'f1', '', '2');
        expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
        expect(pages.flat()).toEqual(whole[0]);

        const first = await evaluateJson(ledger, 'auditor', 'GetHistory', 'file', 'f1', '', '2', '');
        expect(first.bookmark).toBe(first.items[1]?.txId);
        await ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob);
        const second = await evaluateJson(ledger, 'auditor', 'GetHistory', 'file', 'f1', '', '2', first.bookmark);
        expect(second.items).toEqual(pages[1]);
    });

    it('refuses history to everyone else and checks its arguments', async () => {
        for (const who of ['alice', 'bob', 'verifier', 'org1Admin'] as const) {
            await expect(ledger.evaluate(who, 'GetHistory', 'file', 'f1', '', '10', '')).rejects.toThrow(
                refused('WRONG_ORG', 'is not an auditor organisation'),
            );
        }
        const query = (...args: string[]) => ledger.evaluate('auditor', 'GetHistory', ...args);
        await expect(query('blocks', 'f1', '', '10', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'kind must be one of governance, party, key, file, credential, signature'),
        );
        await expect(query('key', PARTY.bob, 'xyz', '10', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'fingerprint must be 64 lowercase hex digits'),
        );
        await expect(query('file', 'f1', '', '0', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'page size must be an integer from 1 to 100'),
        );
        await expect(query('file', 'f1', '', '101', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'page size must be at most 100'),
        );
        await expect(query('file', 'f1', '', '10', 'not-a-tx-id')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'bookmark must be 64 lowercase hex digits'),
        );
        const otherTx = defined(ledger.committed[0]).txId; // SetGovernance: not in the file's history
        await expect(query('file', 'f1', '', '10', otherTx)).rejects.toThrow(
            "BAD_ARGUMENT: the bookmark is not a transaction in this record's history",
        );
        await expect(query('file', 'f1', '')).rejects.toThrow(/Expected 5 parameters/);
        expect(JSON.parse(await query('file', 'unknown', '', '10', ''))).toEqual({ items: [], bookmark: '' });
    });
});
