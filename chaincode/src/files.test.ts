import { StubNetwork } from './test-support/stub-network';
import { expect } from '@jest/globals';
import { canonicalJson, CredentialInput, FileRecord } from '@sealpact/protocol';
import { defined } from '../../protocol/src/test-support/defined';
import {
    PARTY,
    credentialFor,
    keysOf,
    registerKeys,
    shareArgs,
    shareFile,
    standardParties,
    verifyParty,
} from './test-support/scenarios';
import { refused } from './test-support/refused';
import { evaluateJson } from './test-support/answers';

describe('files and credentials', () => {
    let ledger: StubNetwork;
    let keys: Awaited<ReturnType<typeof standardParties>>;
    const cred = (fileId: string, name: 'alice' | 'bob' | 'carol'): CredentialInput =>
        credentialFor(PARTY[name], keys[name].encryption, fileId);
    const creds = (fileId: string, ...who: ('alice' | 'bob' | 'carol')[]): CredentialInput[] =>
        who.map((name) => cred(fileId, name));

    beforeEach(async () => {
        ledger = new StubNetwork();
        keys = await standardParties(ledger);
    });

    it('ShareFile records the file, the credentials, the indexes and one event', async () => {
        const at = ledger.nextTimestamp().toISOString();
        const { txId, payload } = await ledger.submit(
            'alice',
            'ShareFile',
            ...shareArgs('f1', creds('f1', 'alice', 'bob')),
        );
        const file = JSON.parse(payload) as FileRecord;
        expect(file).toMatchObject({
            schema: 'sealpact/file/v1',
            fileId: 'f1',
            owner: PARTY.alice,
            suite: 'gm',
            digestAlgorithm: 'sm3',
            size: 1048576,
            recipients: [PARTY.bob],
            createdTxId: txId,
            createdAt: at,
        });
        expect(ledger.events).toHaveLength(1);
        const event = defined(ledger.events[0], 'the event');
        expect(event).toMatchObject({ txId, name: 'FileShared' });
        expect(JSON.parse(event.payload)).toEqual({
            schema: 'sealpact/event/access/v1',
            fileId: 'f1',
            owner: PARTY.alice,
            recipients: creds('f1', 'alice', 'bob').map(({ partyId, keyFingerprint }) => ({ partyId, keyFingerprint })),
            txId,
            at: file.createdAt,
        });
        const credential = await evaluateJson(ledger, 'bob', 'GetCredential', 'f1');
        expect(credential).toMatchObject({
            ...cred('f1', 'bob'),
            status: 'active',
            version: 1,
            grantedBy: PARTY.alice,
        });
        const own = await evaluateJson(ledger, 'alice', 'GetCredential', 'f1');
        expect(own.partyId).toBe(PARTY.alice);
    });

    it('refuses recipients that are unknown, unverified, on another key, expired or revoked', async () => {
        const share = (fileId: string, credentials: CredentialInput[]) =>
            ledger.submit('alice', 'ShareFile', ...shareArgs(fileId, credentials));
        const unknown = { ...cred('f', 'bob'), partyId: PARTY.dave };
        await expect(share('f', [...creds('f', 'alice'), unknown])).rejects.toThrow(
            refused('UNKNOWN_PARTY', `${PARTY.dave} has not registered keys`),
        );
        await expect(share('f', creds('f', 'alice', 'carol'))).rejects.toThrow(
            refused('NOT_VERIFIED', `${PARTY.carol} has no valid identity verification`),
        );
        const wrongKey = credentialFor(PARTY.bob, keys.bob.signing, 'f');
        await expect(share('f', [...creds('f', 'alice'), wrongKey])).rejects.toThrow(
            refused('KEY_MISMATCH', `${PARTY.bob} is not sealed to its active encryption key`),
        );
        const wrongAlgorithm: CredentialInput = { ...cred('f', 'bob'), algorithm: 'rsa' };
        await expect(share('f', [...creds('f', 'alice'), wrongAlgorithm])).rejects.toThrow(
            refused('KEY_MISMATCH', `${PARTY.bob} is not sealed to its active encryption key`),
        );

        await verifyParty(ledger, PARTY.carol, new Date(ledger.nextTimestamp().getTime() + 5_000).toISOString());
        await share('f-before-expiry', creds('f-before-expiry', 'alice', 'carol'));
        ledger.advanceClock(5_000);
        await expect(share('f', creds('f', 'alice', 'carol'))).rejects.toThrow(
            refused('NOT_VERIFIED', `${PARTY.carol} has no valid identity verification`),
        );

        await ledger.submit('verifier', 'RevokeVerification', PARTY.bob);
        await expect(share('f', creds('f', 'alice', 'bob'))).rejects.toThrow(
            refused('NOT_VERIFIED', `${PARTY.bob} has no valid identity verification`),
        );
        await verifyParty(ledger, PARTY.bob);
        await ledger.submit('bob', 'RevokeKeys');
        await expect(share('f', creds('f', 'alice', 'bob'))).rejects.toThrow(
            refused('KEY_MISMATCH', `${PARTY.bob} has no active encryption key`),
        );
        expect(ledger.events.map((e) => e.name)).toEqual(['FileShared']);
    });

    it.each([
        ['gm', 'sm3-tree'],
        ['gm', 'sm3'],
        ['intl', 'sha256-tree'],
        ['intl', 'sha256'],
    ] as const)('ShareFile records a %s file with the digest algorithm given, %s', async (suite, digestAlgorithm) => {
        const args = shareArgs('f', creds('f', 'alice', 'bob'), { suite });
        args[2] = digestAlgorithm;
        const file = JSON.parse((await ledger.submit('alice', 'ShareFile', ...args)).payload) as FileRecord;
        expect(file).toMatchObject({ suite, digestAlgorithm });
        expect(await evaluateJson(ledger, 'alice', 'GetFile', 'f')).toMatchObject({ digestAlgorithm });
    });

    it('refuses the other suite tree digest, and any other name', async () => {
        const share = (suite: 'gm' | 'intl', digestAlgorithm: string) => {
            const args = shareArgs('f', creds('f', 'alice', 'bob'), { suite });
            args[2] = digestAlgorithm;
            return ledger.submit('alice', 'ShareFile', ...args);
        };
        await expect(share('intl', 'sm3-tree')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'suite intl uses digest algorithm sha256-tree or sha256'),
        );
        await expect(share('intl', 'SHA256-TREE')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'suite intl uses digest algorithm sha256-tree or sha256'),
        );
        await expect(share('gm', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'suite gm uses digest algorithm sm3-tree or sm3'),
        );
    });

    it('validates every ShareFile argument', async () => {
        const good = shareArgs('f', creds('f', 'alice', 'bob'));
        const share = (index: number, value: string) => {
            const args = [...good];
            args[index] = value;
            return ledger.submit('alice', 'ShareFile', ...args);
        };
        await expect(share(0, 'bad id!')).rejects.toThrow(refused('BAD_ARGUMENT', 'file id must be letters, digits'));
        await expect(share(0, 'f'.repeat(129))).rejects.toThrow(
            refused('FIELD_TOO_LARGE', 'file id is longer than 128 characters'),
        );
        await expect(share(1, 'aes')).rejects.toThrow(refused('BAD_ARGUMENT', 'suite must be "gm" or "intl"'));
        await expect(share(2, 'sha256')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'suite gm uses digest algorithm sm3-tree or sm3'),
        );
        await expect(share(2, 'sha256-tree')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'suite gm uses digest algorithm sm3-tree or sm3'),
        );
        await expect(share(3, 'ABCD')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'ciphertext digest must be 64 lowercase hex digits'),
        );
        await expect(share(4, '-1')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'size must be a non-negative decimal integer'),
        );
        await expect(share(4, '1.5')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'size must be a non-negative decimal integer'),
        );
        await expect(share(4, '9999999999999999')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'size is larger than 2^53 - 1'),
        );
        await expect(share(4, '99999999999999999')).rejects.toThrow(
            refused('FIELD_TOO_LARGE', 'size is longer than 16 characters'),
        );
        await expect(share(5, 'no scheme')).rejects.toThrow(refused('BAD_ARGUMENT', 'locator must be an absolute URI'));
        await expect(share(5, `s3://${'x'.repeat(1100)}`)).rejects.toThrow(
            refused('FIELD_TOO_LARGE', 'locator is longer than 1024 characters'),
        );
        await expect(share(6, '[{')).rejects.toThrow(refused('BAD_JSON', 'credentials is not valid JSON'));
        await expect(share(6, '{}')).rejects.toThrow(refused('BAD_JSON', 'credentials must be a JSON array'));
        await expect(share(6, '[{"partyId":"Org1MSP/alice@org1.example.com"}]')).rejects.toThrow(
            refused('BAD_JSON', 'credentials[0] must have exactly the members'),
        );
        await expect(share(6, JSON.stringify(creds('f', 'bob')))).rejects.toThrow(
            refused('BAD_ARGUMENT', "the owner's own credential is required"),
        );
        await expect(share(6, JSON.stringify(creds('f', 'alice')))).rejects.toThrow(
            refused('BAD_ARGUMENT', 'at least one recipient besides the owner'),
        );
        await expect(share(6, JSON.stringify(creds('f', 'alice', 'bob', 'bob')))).rejects.toThrow(
            refused('DUPLICATE_ID', `credentials name ${PARTY.bob} twice`),
        );
        const bad = [cred('f', 'alice'), { ...cred('f', 'bob'), envelope: 'not base64' }];
        await expect(share(6, JSON.stringify(bad))).rejects.toThrow(
            refused('BAD_ARGUMENT', 'credentials[1].envelope must be non-empty canonical base64'),
        );
        await expect(share(6, JSON.stringify(Array(65).fill(cred('f', 'alice'))))).rejects.toThrow(
            refused('FIELD_TOO_LARGE', 'credentials has more than 64 entries'),
        );
        await expect(ledger.submit('dave', 'ShareFile', ...good)).rejects.toThrow(
            refused('UNKNOWN_PARTY', `${PARTY.dave} has not registered keys`),
        );
        await ledger.submit('alice', 'ShareFile', ...good);
        await expect(ledger.submit('alice', 'ShareFile', ...good)).rejects.toThrow(
            refused('DUPLICATE_ID', 'file f already exists'),
        );
    });

    it('GetFile shows metadata to the owner, active recipients and auditors only', async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        for (const who of ['alice', 'bob', 'auditor'] as const) {
            const file = await evaluateJson(ledger, who, 'GetFile', 'f1');
            expect(file.access.map((a: { partyId: string }) => a.partyId)).toEqual([PARTY.alice, PARTY.bob]);
            expect(JSON.stringify(file)).not.toContain('envelope');
        }
        await expect(ledger.evaluate('carol', 'GetFile', 'f1')).rejects.toThrow(
            refused('ACCESS_DENIED', `${PARTY.carol} may not see file f1`),
        );
        await expect(ledger.evaluate('verifier', 'GetFile', 'f1')).rejects.toThrow(
            refused('UNKNOWN_PARTY', 'verifier@authority.example.com has not registered keys'),
        );
        await expect(ledger.evaluate('bobTwin', 'GetFile', 'f1')).rejects.toThrow(
            refused('IDENTITY_CONFLICT', 'registered to a certificate with another subject or issuer'),
        );
        await expect(ledger.evaluate('alice', 'GetFile', 'nope')).rejects.toThrow(refused('NOT_FOUND', 'no file nope'));
    });

    it("GetCredential returns only the caller's own active credential", async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await expect(ledger.evaluate('carol', 'GetCredential', 'f1')).rejects.toThrow(
            refused('ACCESS_DENIED', `${PARTY.carol} has no active credential for f1`),
        );
        await expect(ledger.evaluate('auditor', 'GetCredential', 'f1')).rejects.toThrow(
            refused('UNKNOWN_PARTY', 'auditor@auditor.example.com has not registered keys'),
        );
        await expect(ledger.evaluate('bobTwin', 'GetCredential', 'f1')).rejects.toThrow(
            refused('IDENTITY_CONFLICT', 'registered to a certificate with another subject or issuer'),
        );
    });

    it('GrantAccess by the owner only, with the same checks; re-grant bumps the version', async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await expect(ledger.submit('bob', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'carol')))).rejects.toThrow(
            refused('ACCESS_DENIED', 'only the owner of f1 may change its access'),
        );
        await expect(ledger.submit('alice', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'carol')))).rejects.toThrow(
            refused('NOT_VERIFIED', `${PARTY.carol} has no valid identity verification`),
        );
        await verifyParty(ledger, PARTY.carol);
        const { txId } = await ledger.submit('alice', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'carol')));
        expect(ledger.events.at(-1)).toMatchObject({ name: 'AccessGranted', txId });
        expect((await evaluateJson(ledger, 'carol', 'GetCredential', 'f1')).algorithm).toBe('rsa');
        const file = await evaluateJson(ledger, 'alice', 'GetFile', 'f1');
        expect(file.recipients).toEqual([PARTY.bob, PARTY.carol]);

        await registerKeys(ledger, 'bob', keysOf('spare', 'sm2'));
        await ledger.submit(
            'alice',
            'GrantAccess',
            'f1',
            JSON.stringify([credentialFor(PARTY.bob, keysOf('spare', 'sm2').encryption, 'f1')]),
        );
        const regranted = await evaluateJson(ledger, 'bob', 'GetCredential', 'f1');
        expect(regranted.version).toBe(2);
        const inbox = await evaluateJson(ledger, 'bob', 'ListInbox', '10', '');
        expect(inbox.items).toHaveLength(1);
    });

    it('GrantAccess refuses a grant beyond 256 recipients in the life of a file', async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await verifyParty(ledger, PARTY.carol);
        // Put the file at the limit directly in the peer's state: 255 other parties and bob.
        const share = defined(
            ledger.committed.find((tx) => tx.transaction === 'ShareFile'),
            'the ShareFile',
        );
        const [key, value] = defined(
            [...share.writes].find(([, v]) => v?.toString('utf8').includes('"schema":"sealpact/file/v1"')),
            'the file record written',
        );
        const others = Array.from({ length: 255 }, (_, i) => `Org2MSP/party${String(i).padStart(3, '0')}`);
        const record = JSON.parse(defined(value).toString('utf8')) as FileRecord;
        const full = { ...record, recipients: [...others, PARTY.bob].sort() };
        ledger.state.commit(
            'seed',
            ledger.nextTimestamp().getTime(),
            new Map([[key, Buffer.from(canonicalJson(full))]]),
        );

        await expect(ledger.submit('alice', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'carol')))).rejects.toThrow(
            'FIELD_TOO_LARGE: file f1 would have 257 recipients; at most 256',
        );
        // Re-sealing for a party already counted does not grow the list.
        await ledger.submit('alice', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'bob')));
        expect((await evaluateJson(ledger, 'alice', 'GetFile', 'f1')).recipients).toHaveLength(256);
    });

    it('RevokeAccess by the owner only: the credential is revoked and leaves the inbox', async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await expect(ledger.submit('bob', 'RevokeAccess', 'f1', PARTY.bob)).rejects.toThrow(
            refused('ACCESS_DENIED', 'only the owner of f1 may change its access'),
        );
        await expect(ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.alice)).rejects.toThrow(
            refused('BAD_ARGUMENT', "the owner's own access cannot be revoked"),
        );
        await expect(ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.carol)).rejects.toThrow(
            refused('WRONG_STATE', `${PARTY.carol} has no active access to f1`),
        );
        const { payload, txId } = await ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob);
        expect(JSON.parse(payload)).toMatchObject({ status: 'revoked', revokedTxId: txId });
        expect(ledger.events.at(-1)).toMatchObject({ name: 'AccessRevoked', txId });
        await expect(ledger.evaluate('bob', 'GetCredential', 'f1')).rejects.toThrow(
            refused('ACCESS_DENIED', `${PARTY.bob} has no active credential for f1`),
        );
        await expect(ledger.evaluate('bob', 'GetFile', 'f1')).rejects.toThrow(
            refused('ACCESS_DENIED', `${PARTY.bob} may not see file f1`),
        );
        expect((await evaluateJson(ledger, 'bob', 'ListInbox', '10', '')).items).toEqual([]);
        await expect(ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob)).rejects.toThrow(
            refused('WRONG_STATE', `${PARTY.bob} has no active access to f1`),
        );
    });

    it('ListInbox and ListSent page through the caller own entries with bookmarks', async () => {
        for (let i = 0; i < 5; i++) {
            await shareFile(ledger, 'alice', `f${i}`, creds(`f${i}`, 'alice', 'bob'));
        }
        const pages: string[][] = [];
        let bookmark = '';
        do {
            const page = await evaluateJson(ledger, 'bob', 'ListInbox', '2', bookmark);
            pages.push(page.items.map((item: { fileId: string }) => item.fileId));
            bookmark = page.bookmark;
        } while (bookmark !== '');
        expect(pages).toEqual([['f0', 'f1'], ['f2', 'f3'], ['f4']]);
        const sent = await evaluateJson(ledger, 'alice', 'ListSent', '100', '');
        expect(sent.items.map((item: { fileId: string }) => item.fileId)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
        expect(sent.items[0]).toMatchObject({
            owner: PARTY.alice,
            sharedAt: expect.any(String),
            txId: expect.any(String),
        });
        expect((await evaluateJson(ledger, 'alice', 'ListInbox', '10', '')).items).toEqual([]);

        const bobsBookmark = (await evaluateJson(ledger, 'bob', 'ListInbox', '2', '')).bookmark;
        await expect(ledger.evaluate('carol', 'ListInbox', '2', bobsBookmark)).rejects.toThrow(
            refused('BAD_ARGUMENT', 'the bookmark does not come from this list'),
        );
        await expect(ledger.evaluate('bob', 'ListSent', '2', bobsBookmark)).rejects.toThrow(
            refused('BAD_ARGUMENT', 'the bookmark does not come from this list'),
        );
        await expect(ledger.evaluate('bob', 'ListInbox', '0', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'page size must be an integer from 1 to 100'),
        );
        await expect(ledger.evaluate('bob', 'ListInbox', '101', '')).rejects.toThrow(
            refused('BAD_ARGUMENT', 'page size must be at most 100'),
        );
        await expect(ledger.evaluate('dave', 'ListInbox', '10', '')).rejects.toThrow(
            refused('UNKNOWN_PARTY', `${PARTY.dave} has not registered keys`),
        );
    });
});
