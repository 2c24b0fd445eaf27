import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { StatusCode } from '@hyperledger/fabric-gateway';
import { ChaincodeError, CredentialRecord, ErrorCode, FileRecord } from '@sealpact/protocol';
import { openEnvelope } from '../crypto/envelope';
import { generateKeyPair } from '../crypto/keys';
import * as password from '../crypto/password';
import { expectRejection } from '../test-support/expect-error';
import { StandardParties, useStandardParties } from '../test-support/stub-parties';
import { requireKeyring } from './keyring';
import { CommitUnknownError } from './ledger-errors';
import { PartyView } from './parties';

const world = useStandardParties();
afterEach(() => jest.restoreAllMocks());

describe('send checks every recipient before any secret exists', () => {
    it.each<[string, (parties: StandardParties) => string[], ErrorCode, RegExp]>([
        ['no recipient', () => [], 'BAD_ARGUMENT', /^BAD_ARGUMENT: send needs at least one recipient$/],
        [
            'the sender among the recipients',
            ({ ids }) => [ids.bob, ids.alice],
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: the sender is added automatically/,
        ],
        [
            'a party that never registered',
            ({ ids }) => [ids.bob, 'Org2MSP/nobody@org2.example.com'],
            'UNKNOWN_PARTY',
            /^UNKNOWN_PARTY: Org2MSP\/nobody@org2\.example\.com has not registered keys$/,
        ],
        [
            'a party no identity authority verified',
            ({ ids }) => [ids.carol],
            'NOT_VERIFIED',
            /^NOT_VERIFIED: Org2MSP\/carol@org2\.example\.com is not verified by an identity authority$/,
        ],
    ])('refuses %s', async (_case, recipients, code, message) => {
        const { parties, alice } = world;
        const secrets = jest.spyOn(password, 'generateFilePassword');
        const put = jest.spyOn(parties.store, 'put');
        const submit = jest.spyOn(alice.ledger, 'submit');
        await expectRejection(
            alice.send(parties.contract('refused.txt', 100), { to: recipients(world), suite: 'gm' }),
            code,
            message,
        );
        expect(secrets).not.toHaveBeenCalled();
        expect(put).not.toHaveBeenCalled();
        expect(submit).not.toHaveBeenCalled();
    });

    it('refuses a party whose keys were revoked, and a key the ledger shows under another fingerprint', async () => {
        const { parties, alice, dave, ids } = world;
        const secrets = jest.spyOn(password, 'generateFilePassword');
        const put = jest.spyOn(parties.store, 'put');
        const contract = parties.contract('keys.txt', 100);

        // A peer that answers GetParty with another key's PEM under bob's fingerprint.
        const honest = alice.ledger.query.bind(alice.ledger);
        const lying = jest.spyOn(alice.ledger, 'query').mockImplementation(async (transaction, ...args) => {
            const answer = await honest(transaction, ...args);
            if (transaction !== 'GetParty') return answer;
            const view = answer as PartyView;
            const other = generateKeyPair('sm2').publicKey.pem;
            return { ...view, keys: view.keys.map((key) => ({ ...key, publicKeyPem: other })) };
        });
        await expectRejection(
            alice.send(contract, { to: [ids.bob], suite: 'gm' }),
            'KEY_MISMATCH',
            /^KEY_MISMATCH: Org2MSP\/bob@org2\.example\.com's key on the ledger does not match its fingerprint$/,
        );
        lying.mockRestore();

        await dave.revokeKeys();
        await expectRejection(
            alice.send(contract, { to: [ids.bob, ids.dave], suite: 'gm' }),
            'NO_ACTIVE_KEY',
            /^NO_ACTIVE_KEY: Org1MSP\/dave@org1\.example\.com has no active encryption key on the ledger$/,
        );
        // The sender's own key is checked too: it gets the second credential.
        await expectRejection(
            dave.send(contract, { to: [ids.bob], suite: 'gm' }),
            'NO_ACTIVE_KEY',
            /^NO_ACTIVE_KEY: Org1MSP\/dave@org1\.example\.com has no active encryption key on the ledger$/,
        );
        expect(secrets).not.toHaveBeenCalled();
        expect(put).not.toHaveBeenCalled();
    });
});

describe('send', () => {
    it('stores the encrypted file, records it with one credential per party and clears its journal entry', async () => {
        const { parties, alice, bob, ids } = world;
        const path = parties.contract('sent.txt', 3000);
        const sent = await alice.send(path, { to: [ids.bob], suite: 'gm', fileId: 'f-sent' });

        const file = await bob.getFile('f-sent');
        expect(file).toMatchObject({
            owner: ids.alice,
            recipients: [ids.bob],
            suite: 'gm',
            digestAlgorithm: 'sm3',
            ciphertextDigest: sent.ciphertextDigest,
            size: sent.size,
            locator: sent.locator,
            createdTxId: sent.txId,
        } satisfies Partial<FileRecord>);
        expect(sent).toMatchObject({ fileId: 'f-sent', digestAlgorithm: 'sm3', alreadySent: false });
        expect(sent.locator).toBe(`fs:sm3/${sent.ciphertextDigest}`);
        expect(await parties.store.has(sent.locator)).toBe(true);
        expect(await alice.uploads?.pending()).toEqual([]);

        // Each party's credential opens, with its own key, to the same file password.
        const opened = await Promise.all(
            [alice, bob].map(async (party) => {
                const credential = await party.ledger.query<CredentialRecord>('GetCredential', 'f-sent');
                const key = await requireKeyring(party.keyring).key(credential.keyFingerprint);
                return openEnvelope(key, Buffer.from(credential.envelope, 'base64'));
            }),
        );
        expect(opened[0]).toHaveLength(32);
        expect(opened[1]).toEqual(opened[0]);

        const out = `${path}.received`;
        await bob.receive('f-sent', out);
        expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
    });

    it('zeroes the file password once the credentials are sealed, and when the upload fails', async () => {
        const { parties, alice, ids } = world;
        const generate = password.generateFilePassword;
        const made: Buffer[] = [];
        jest.spyOn(password, 'generateFilePassword').mockImplementation((options) => {
            const generated = generate(options);
            made.push(generated);
            return generated;
        });
        await alice.send(parties.contract('zeroed.txt', 100), { to: [ids.bob], suite: 'intl' });
        const failing = new Readable({ read: () => failing.destroy(new Error('the disk went away')) });
        await expect(alice.send(failing, { to: [ids.bob], suite: 'intl' })).rejects.toThrow('the disk went away');
        expect(made).toHaveLength(2);
        expect(made.map((secret) => secret.equals(Buffer.alloc(32)))).toEqual([true, true]);
    });

    it('an input file that does not exist is FILE_NOT_FOUND naming it, and nothing is stored', async () => {
        const { parties, alice, ids } = world;
        const before = await parties.blobs();
        const missing = `${parties.dir}/no-such-contract.pdf`;
        await expectRejection(
            alice.send(missing, { to: [ids.bob], suite: 'gm' }),
            'FILE_NOT_FOUND',
            /^FILE_NOT_FOUND: .*no-such-contract\.pdf: no such file or folder$/,
        );
        expect(await parties.blobs()).toEqual(before);
        expect(await alice.uploads?.pending()).toEqual([]);
    });

    it('a ShareFile the chaincode refuses removes its blob and journal entry', async () => {
        const { parties, alice, bob, ids } = world;
        // bob takes the file id for a file alice cannot see (he revokes her access), so alice's send
        // gets as far as uploading before ShareFile refuses the duplicate id.
        await bob.send(parties.contract('taken.txt', 100), { to: [ids.alice], suite: 'gm', fileId: 'f-taken' });
        await bob.revoke('f-taken', ids.alice);
        const before = await parties.blobs();
        const put = jest.spyOn(parties.store, 'put');

        const err = await expectRejection(
            alice.send(parties.contract('duplicate.txt', 100), { to: [ids.bob], suite: 'gm', fileId: 'f-taken' }),
            'DUPLICATE_ID',
            /^DUPLICATE_ID: file f-taken already exists$/,
        );
        expect(err).toBeInstanceOf(ChaincodeError);
        expect(put).toHaveBeenCalledTimes(1);
        expect(await parties.blobs()).toEqual(before);
        expect(await alice.uploads?.pending()).toEqual([]);
    });

    it('a ShareFile invalidated at commit removes its blob and journal entry', async () => {
        const { parties, alice, ids } = world;
        const before = await parties.blobs();
        alice.ledger.invalidateAtCommit('ShareFile', StatusCode.MVCC_READ_CONFLICT);
        await expectRejection(
            alice.send(parties.contract('invalid.txt', 100), { to: [ids.bob], suite: 'gm', fileId: 'f-invalid' }),
            'COMMIT_FAILED',
            /^COMMIT_FAILED: ShareFile transaction [0-9a-f]{64} was not committed: MVCC_READ_CONFLICT$/,
        );
        expect(await parties.blobs()).toEqual(before);
        expect(await alice.uploads?.pending()).toEqual([]);
        await expectRejection(alice.getFile('f-invalid'), 'NOT_FOUND', /^NOT_FOUND: no file f-invalid$/);
    });

    it('COMMIT_UNKNOWN keeps the blob and its journal entry; a retry with the file id returns what committed', async () => {
        const { parties, alice, ids } = world;
        alice.ledger.loseCommitStatus('ShareFile');
        const path = parties.contract('unknown.txt', 100);
        const err = await expectRejection(
            alice.send(path, { to: [ids.bob], suite: 'intl', fileId: 'f-unknown' }),
            'COMMIT_UNKNOWN',
            /^COMMIT_UNKNOWN: ShareFile [0-9a-f]{64} was handed to the orderer but its commit status is unknown \(the connection to the peer at stub-peer:7051 was lost at the commit stage\); the blob is kept; retry send with --file-id f-unknown or run gc later$/,
        );
        expect(err).toBeInstanceOf(CommitUnknownError);
        const file = await alice.getFile('f-unknown');
        expect(err).toMatchObject({ txId: file.createdTxId });
        expect(await parties.store.has(file.locator)).toBe(true);
        expect(await alice.uploads?.pending()).toEqual([
            { locator: file.locator, fileId: 'f-unknown', at: expect.any(String) },
        ]);

        const put = jest.spyOn(parties.store, 'put');
        const retried = await alice.send(path, { to: [ids.bob], suite: 'intl', fileId: 'f-unknown' });
        expect(retried).toEqual({
            fileId: 'f-unknown',
            txId: file.createdTxId,
            locator: file.locator,
            ciphertextDigest: file.ciphertextDigest,
            digestAlgorithm: 'sha256',
            size: file.size,
            alreadySent: true,
        });
        expect(put).not.toHaveBeenCalled();
    });
});
