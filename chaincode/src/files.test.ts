import { StubNetwork } from './test-support/stub-network';
import { canonicalJson, CredentialInput } from '@sealpact/protocol';
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

describe('files and credentials', () => {
    let ledger: StubNetwork;
    let keys: Awaited<ReturnType<typeof standardParties>>;
    const creds = (fileId: string, ...who: ('alice' | 'bob' | 'carol')[]): CredentialInput[] =>
        who.map((name) => credentialFor(PARTY[name], keys[name].encryption, fileId));

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
        const file = JSON.parse(payload);
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
        expect(ledger.events[0]).toMatchObject({ txId, name: 'FileShared' });
        expect(JSON.parse(ledger.events[0].payload)).toEqual({
            schema: 'sealpact/event/access/v1',
            fileId: 'f1',
            owner: PARTY.alice,
            recipients: creds('f1', 'alice', 'bob').map(({ partyId, keyFingerprint }) => ({ partyId, keyFingerprint })),
            txId,
            at: file.createdAt,
        });
        const credential = JSON.parse(await ledger.evaluate('bob', 'GetCredential', 'f1'));
        expect(credential).toMatchObject({
            ...creds('f1', 'bob')[0],
            status: 'active',
            version: 1,
            grantedBy: PARTY.alice,
        });
        const own = JSON.parse(await ledger.evaluate('alice', 'GetCredential', 'f1'));
        expect(own.partyId).toBe(PARTY.alice);
    });

    it('refuses recipients that are unknown, unverified, on another key, expired or revoked', async () => {
        const share = (fileId: string, credentials: CredentialInput[]) =>
            ledger.submit('alice', 'ShareFile', ...shareArgs(fileId, credentials));
        const unknown = { ...creds('f', 'bob')[0], partyId: PARTY.dave };
        await expect(share('f', [...creds('f', 'alice'), unknown])).rejects.toThrow(/^UNKNOWN_PARTY/);
        await expect(share('f', creds('f', 'alice', 'carol'))).rejects.toThrow(/^NOT_VERIFIED/);
        const wrongKey = credentialFor(PARTY.bob, keys.bob.signing, 'f');
        await expect(share('f', [...creds('f', 'alice'), wrongKey])).rejects.toThrow(/^KEY_MISMATCH/);
        const wrongAlgorithm: CredentialInput = { ...creds('f', 'bob')[0], algorithm: 'rsa' };
        await expect(share('f', [...creds('f', 'alice'), wrongAlgorithm])).rejects.toThrow(/^KEY_MISMATCH/);

        await verifyParty(ledger, PARTY.carol, new Date(ledger.nextTimestamp().getTime() + 5_000).toISOString());
        await share('f-before-expiry', creds('f-before-expiry', 'alice', 'carol'));
        ledger.advanceClock(5_000);
        await expect(share('f', creds('f', 'alice', 'carol'))).rejects.toThrow(/^NOT_VERIFIED/);

        await ledger.submit('verifier', 'RevokeVerification', PARTY.bob);
        await expect(share('f', creds('f', 'alice', 'bob'))).rejects.toThrow(/^NOT_VERIFIED/);
        await verifyParty(ledger, PARTY.bob);
        await ledger.submit('bob', 'RevokeKeys');
        await expect(share('f', creds('f', 'alice', 'bob'))).rejects.toThrow(/^KEY_MISMATCH/);
        expect(ledger.events.map((e) => e.name)).toEqual(['FileShared']);
    });

    it('validates every ShareFile argument', async () => {
        const good = shareArgs('f', creds('f', 'alice', 'bob'));
        const share = (index: number, value: string) => {
            const args = [...good];
            args[index] = value;
            return ledger.submit('alice', 'ShareFile', ...args);
        };
        await expect(share(0, 'bad id!')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(share(0, 'f'.repeat(129))).rejects.toThrow(/^FIELD_TOO_LARGE/);
        await expect(share(1, 'aes')).rejects.toThrow(/^BAD_ARGUMENT.*suite/);
        await expect(share(2, 'sha256')).rejects.toThrow(/^BAD_ARGUMENT.*sm3/);
        await expect(share(3, 'ABCD')).rejects.toThrow(/^BAD_ARGUMENT.*hex/);
        await expect(share(4, '-1')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(share(4, '1.5')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(share(4, '99999999999999999')).rejects.toThrow(/^FIELD_TOO_LARGE|^BAD_ARGUMENT/);
        await expect(share(5, 'no scheme')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(share(5, `s3://${'x'.repeat(1100)}`)).rejects.toThrow(/^FIELD_TOO_LARGE/);
        await expect(share(6, '[{')).rejects.toThrow(/^BAD_JSON/);
        await expect(share(6, '{}')).rejects.toThrow(/^BAD_JSON/);
        await expect(share(6, '[{"partyId":"Org1MSP/alice@org1.example.com"}]')).rejects.toThrow(/^BAD_JSON/);
        await expect(share(6, JSON.stringify(creds('f', 'bob')))).rejects.toThrow(/^BAD_ARGUMENT.*owner/);
        await expect(share(6, JSON.stringify(creds('f', 'alice')))).rejects.toThrow(/^BAD_ARGUMENT.*recipient/);
        await expect(share(6, JSON.stringify(creds('f', 'alice', 'bob', 'bob')))).rejects.toThrow(/^DUPLICATE_ID/);
        const bad = [...creds('f', 'alice', 'bob')];
        bad[1] = { ...bad[1], envelope: 'not base64' };
        await expect(share(6, JSON.stringify(bad))).rejects.toThrow(/^BAD_ARGUMENT.*envelope/);
        await expect(share(6, JSON.stringify(Array(65).fill(bad[0])))).rejects.toThrow(/^FIELD_TOO_LARGE/);
        await expect(ledger.submit('dave', 'ShareFile', ...good)).rejects.toThrow(/^UNKNOWN_PARTY/);
        await ledger.submit('alice', 'ShareFile', ...good);
        await expect(ledger.submit('alice', 'ShareFile', ...good)).rejects.toThrow(/^DUPLICATE_ID/);
    });

    it('GetFile shows metadata to the owner, active recipients and auditors only', async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        for (const who of ['alice', 'bob', 'auditor'] as const) {
            const file = JSON.parse(await ledger.evaluate(who, 'GetFile', 'f1'));
            expect(file.access.map((a: { partyId: string }) => a.partyId)).toEqual([PARTY.alice, PARTY.bob]);
            expect(JSON.stringify(file)).not.toContain('envelope');
        }
        await expect(ledger.evaluate('carol', 'GetFile', 'f1')).rejects.toThrow(/^ACCESS_DENIED/);
        await expect(ledger.evaluate('verifier', 'GetFile', 'f1')).rejects.toThrow(/^UNKNOWN_PARTY/);
        await expect(ledger.evaluate('bobTwin', 'GetFile', 'f1')).rejects.toThrow(/^IDENTITY_CONFLICT/);
        await expect(ledger.evaluate('alice', 'GetFile', 'nope')).rejects.toThrow(/^NOT_FOUND/);
    });

    it("GetCredential returns only the caller's own active credential", async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await expect(ledger.evaluate('carol', 'GetCredential', 'f1')).rejects.toThrow(/^ACCESS_DENIED/);
        await expect(ledger.evaluate('auditor', 'GetCredential', 'f1')).rejects.toThrow(/^UNKNOWN_PARTY/);
        await expect(ledger.evaluate('bobTwin', 'GetCredential', 'f1')).rejects.toThrow(/^IDENTITY_CONFLICT/);
    });

    it('GrantAccess by the owner only, with the same checks; re-grant bumps the version', async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await expect(ledger.submit('bob', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'carol')))).rejects.toThrow(
            /^ACCESS_DENIED/,
        );
        await expect(ledger.submit('alice', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'carol')))).rejects.toThrow(
            /^NOT_VERIFIED/,
        );
        await verifyParty(ledger, PARTY.carol);
        const { txId } = await ledger.submit('alice', 'GrantAccess', 'f1', JSON.stringify(creds('f1', 'carol')));
        expect(ledger.events.at(-1)).toMatchObject({ name: 'AccessGranted', txId });
        expect(JSON.parse(await ledger.evaluate('carol', 'GetCredential', 'f1')).algorithm).toBe('rsa');
        const file = JSON.parse(await ledger.evaluate('alice', 'GetFile', 'f1'));
        expect(file.recipients).toEqual([PARTY.bob, PARTY.carol]);

        await registerKeys(ledger, 'bob', keysOf('spare', 'sm2'));
        await ledger.submit(
            'alice',
            'GrantAccess',
            'f1',
            JSON.stringify([credentialFor(PARTY.bob, keysOf('spare', 'sm2').encryption, 'f1')]),
        );
        const regranted = JSON.parse(await ledger.evaluate('bob', 'GetCredential', 'f1'));
        expect(regranted.version).toBe(2);
        const inbox = JSON.parse(await ledger.evaluate('bob', 'ListInbox', '10', ''));
        expect(inbox.items).toHaveLength(1);
    });

    it('GrantAccess refuses a grant beyond 256 recipients in the life of a file', async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await verifyParty(ledger, PARTY.carol);
        // Put the file at the limit directly in the peer's state: 255 other parties and bob.
        const [key, value] = [...ledger.committed.find((tx) => tx.transaction === 'ShareFile')!.writes].find(([, v]) =>
            v?.toString('utf8').includes('"schema":"sealpact/file/v1"'),
        )!;
        const others = Array.from({ length: 255 }, (_, i) => `Org2MSP/party${String(i).padStart(3, '0')}`);
        const full = { ...JSON.parse(value!.toString('utf8')), recipients: [...others, PARTY.bob].sort() };
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
        expect(JSON.parse(await ledger.evaluate('alice', 'GetFile', 'f1')).recipients).toHaveLength(256);
    });

    it('RevokeAccess by the owner only: the credential is revoked and leaves the inbox', async () => {
        await shareFile(ledger, 'alice', 'f1', creds('f1', 'alice', 'bob'));
        await expect(ledger.submit('bob', 'RevokeAccess', 'f1', PARTY.bob)).rejects.toThrow(/^ACCESS_DENIED/);
        await expect(ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.alice)).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.carol)).rejects.toThrow(/^WRONG_STATE/);
        const { payload, txId } = await ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob);
        expect(JSON.parse(payload)).toMatchObject({ status: 'revoked', revokedTxId: txId });
        expect(ledger.events.at(-1)).toMatchObject({ name: 'AccessRevoked', txId });
        await expect(ledger.evaluate('bob', 'GetCredential', 'f1')).rejects.toThrow(/^ACCESS_DENIED/);
        await expect(ledger.evaluate('bob', 'GetFile', 'f1')).rejects.toThrow(/^ACCESS_DENIED/);
        expect(JSON.parse(await ledger.evaluate('bob', 'ListInbox', '10', '')).items).toEqual([]);
        await expect(ledger.submit('alice', 'RevokeAccess', 'f1', PARTY.bob)).rejects.toThrow(/^WRONG_STATE/);
    });

    it('ListInbox and ListSent page through the caller own entries with bookmarks', async () => {
        for (let i = 0; i < 5; i++) {
            await shareFile(ledger, 'alice', `f${i}`, creds(`f${i}`, 'alice', 'bob'));
        }
        const pages: string[][] = [];
        let bookmark = '';
        do {
            const page = JSON.parse(await ledger.evaluate('bob', 'ListInbox', '2', bookmark));
            pages.push(page.items.map((item: { fileId: string }) => item.fileId));
            bookmark = page.bookmark;
        } while (bookmark !== '');
        expect(pages).toEqual([['f0', 'f1'], ['f2', 'f3'], ['f4']]);
        const sent = JSON.parse(await ledger.evaluate('alice', 'ListSent', '100', ''));
        expect(sent.items.map((item: { fileId: string }) => item.fileId)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
        expect(sent.items[0]).toMatchObject({
            owner: PARTY.alice,
            sharedAt: expect.any(String),
            txId: expect.any(String),
        });
        expect(JSON.parse(await ledger.evaluate('alice', 'ListInbox', '10', '')).items).toEqual([]);

        const bobsBookmark = JSON.parse(await ledger.evaluate('bob', 'ListInbox', '2', '')).bookmark;
        await expect(ledger.evaluate('carol', 'ListInbox', '2', bobsBookmark)).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(ledger.evaluate('bob', 'ListSent', '2', bobsBookmark)).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(ledger.evaluate('bob', 'ListInbox', '0', '')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(ledger.evaluate('bob', 'ListInbox', '101', '')).rejects.toThrow(/^BAD_ARGUMENT/);
        await expect(ledger.evaluate('dave', 'ListInbox', '10', '')).rejects.toThrow(/^UNKNOWN_PARTY/);
    });
});
