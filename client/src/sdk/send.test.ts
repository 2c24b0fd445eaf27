import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { StatusCode } from '@hyperledger/fabric-gateway';
import {
    ChaincodeError,
    ContractRecord,
    CredentialRecord,
    ErrorCode,
    FileRecord,
    LedgerError,
    PartyView,
    planHash,
} from '@sealpact/protocol';
import { openEnvelope } from '../crypto/envelope';
import { generateKeyPair } from '../crypto/keys';
import * as password from '../crypto/password';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';
import { StandardParties, useStandardParties } from '../test-support/stub-parties';
import { requireKeyring } from './keyring';
import { CommitUnknownError } from './ledger-errors';
import { SendOptions } from './send';

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

    it("pins the sender's own key to its keyring: one peer's answer, and a peer showing another key is refused", async () => {
        const { parties, alice, ids } = world;
        const secrets = jest.spyOn(password, 'generateFilePassword');
        const put = jest.spyOn(parties.store, 'put');
        const contract = parties.contract('own-key.txt', 100);
        const pinned = requireKeyring(alice.keyring).activeFingerprint('encryption');

        // A peer that shows alice another well-formed key as her active one.
        const other = generateKeyPair('sm2').publicKey;
        const honest = alice.ledger.query.bind(alice.ledger);
        jest.spyOn(alice.ledger, 'query').mockImplementation(async (transaction, ...args) => {
            const answer = await honest(transaction, ...args);
            if (transaction !== 'GetParty' || args[0] !== ids.alice) return answer;
            const view = answer as PartyView;
            return {
                ...view,
                encryptionKey: other.fingerprint,
                keys: view.keys.map((key) =>
                    key.fingerprint === view.encryptionKey
                        ? { ...key, fingerprint: other.fingerprint, publicKeyPem: other.pem }
                        : key,
                ),
            };
        });
        await expectRejection(
            alice.send(contract, { to: [ids.bob], suite: 'gm' }),
            'KEY_MISMATCH',
            new RegExp(
                `^KEY_MISMATCH: Org1MSP/alice@org1\\.example\\.com's active encryption key on the ledger is ${other.fingerprint}, not the keyring's ${pinned}$`,
            ),
        );
        expect(secrets).not.toHaveBeenCalled();
        expect(put).not.toHaveBeenCalled();
        jest.restoreAllMocks();

        // Honest, the recipient's key is the one verified read; the sender's own is a query.
        const reads = alice.ledger.verifiedReads.length;
        const sent = await alice.send(contract, { to: [ids.bob], suite: 'gm' });
        expect(alice.ledger.verifiedReads.slice(reads)).toEqual(['GetParty']);
        const own = await alice.ledger.query<CredentialRecord>('GetCredential', sent.fileId);
        expect(own.keyFingerprint).toBe(pinned);
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
            digestAlgorithm: 'sm3-tree',
            ciphertextDigest: sent.ciphertextDigest,
            size: sent.size,
            locator: sent.locator,
            createdTxId: sent.txId,
        } satisfies Partial<FileRecord>);
        expect(sent).toMatchObject({ fileId: 'f-sent', digestAlgorithm: 'sm3-tree', alreadySent: false });
        expect(sent.locator).toBe(`fs:sm3-tree/${sent.ciphertextDigest}`);
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
            digestAlgorithm: 'sha256-tree',
            size: file.size,
            alreadySent: true,
        });
        expect(put).not.toHaveBeenCalled();
    });
});

describe('send with a signing plan', () => {
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

    it.each<[string, (parties: StandardParties) => Partial<SendOptions>, RegExp]>([
        [
            'a signer who is neither the sender nor a recipient',
            ({ ids }) => ({ signers: [[ids.bob], [ids.dave]] }),
            /^BAD_ARGUMENT: signer Org1MSP\/dave@org1\.example\.com is neither the sender nor in "to"$/,
        ],
        [
            'a party twice',
            ({ ids }) => ({ signers: [[ids.bob], [ids.alice, ids.bob]] }),
            /^BAD_ARGUMENT: signer Org2MSP\/bob@org2\.example\.com is in the plan twice$/,
        ],
        ['no step', () => ({ signers: [] }), /^BAD_ARGUMENT: signers has 0 steps; a plan has 1 to 10$/],
        [
            'more steps than a plan may have',
            ({ ids }) => ({ signers: Array.from({ length: 11 }, () => [ids.bob]) }),
            /^BAD_ARGUMENT: signers has 11 steps; a plan has 1 to 10$/,
        ],
        [
            'an empty step',
            ({ ids }) => ({ signers: [[ids.bob], []] }),
            /^BAD_ARGUMENT: step 2 of signers has 0 signers; a step has 1 to 20$/,
        ],
        [
            'a deadline without signers',
            () => ({ deadline: inDays(1) }),
            /^BAD_ARGUMENT: a deadline needs signers: a file shared without a plan has none$/,
        ],
        [
            'a deadline that is not an ISO 8601 UTC time',
            ({ ids }) => ({ signers: [[ids.bob]], deadline: '2030-01-01 00:00:00' }),
            /^BAD_ARGUMENT: deadline "2030-01-01 00:00:00" is not an ISO 8601 UTC time such as 2026-12-31T23:59:59Z$/,
        ],
        [
            'a deadline on a day that does not exist',
            ({ ids }) => ({ signers: [[ids.bob]], deadline: '2030-02-30T00:00:00Z' }),
            /^BAD_ARGUMENT: deadline "2030-02-30T00:00:00Z" is not an ISO 8601 UTC time/,
        ],
        [
            'an invalid Date',
            ({ ids }) => ({ signers: [[ids.bob]], deadline: new Date('not a date') }),
            /^BAD_ARGUMENT: deadline is not an ISO 8601 UTC time/,
        ],
        [
            'a deadline in the past',
            ({ ids }) => ({ signers: [[ids.bob]], deadline: '2020-01-01T00:00:00Z' }),
            /^BAD_ARGUMENT: deadline 2020-01-01T00:00:00\.000Z must be after now \(.*\) and at most 10 years ahead$/,
        ],
        [
            'a deadline more than 10 years ahead',
            ({ ids }) => ({ signers: [[ids.bob]], deadline: inDays(3700) }),
            /^BAD_ARGUMENT: deadline .* must be after now \(.*\) and at most 10 years ahead$/,
        ],
    ])('refuses %s before any secret exists', async (_case, plan, message) => {
        const { parties, alice, ids } = world;
        const secrets = jest.spyOn(password, 'generateFilePassword');
        const put = jest.spyOn(parties.store, 'put');
        const submit = jest.spyOn(alice.ledger, 'submit');
        const read = jest.spyOn(alice.ledger, 'read');
        await expectRejection(
            alice.send(parties.contract('plan-refused.txt', 100), { to: [ids.bob], suite: 'gm', ...plan(world) }),
            'BAD_ARGUMENT',
            message,
        );
        expect(secrets).not.toHaveBeenCalled();
        expect(put).not.toHaveBeenCalled();
        expect(read).not.toHaveBeenCalled();
        expect(submit).not.toHaveBeenCalled();
    });

    it('records the file and its contract in one ShareContract; a retry returns both', async () => {
        const { parties, alice, ids } = world;
        const submit = jest.spyOn(alice.ledger, 'submit');
        const path = parties.contract('planned.txt', 500);
        // (dave's keys were revoked above: bob is the one verified recipient left.)
        const steps = [[ids.bob], [ids.alice]];
        const options = { to: [ids.bob], suite: 'gm', fileId: 'f-planned', signers: steps } as const;
        const sent = await alice.send(path, { ...options, deadline: '2030-06-30T12:00:00Z' });

        expect(submit.mock.calls.map(([transaction]) => transaction)).toEqual(['ShareContract']);
        const deadline = '2030-06-30T12:00:00.000Z';
        expect(sent.contract).toMatchObject({
            fileId: 'f-planned',
            owner: ids.alice,
            planHash: planHash({ fileId: 'f-planned', owner: ids.alice, steps, deadline }),
            deadline,
            state: 'open',
            currentStep: 0,
            createdTxId: sent.txId,
        } satisfies Partial<ContractRecord>);
        expect(sent.contract?.steps.map((step) => step.signers.map((s) => [s.partyId, s.state]))).toEqual([
            [[ids.bob, 'awaiting']],
            [[ids.alice, 'waiting']],
        ]);
        expect((await alice.getFile('f-planned')).createdTxId).toBe(sent.txId);

        const put = jest.spyOn(parties.store, 'put');
        const retried = await alice.send(path, { ...options, deadline: new Date(deadline) });
        expect(retried).toMatchObject({
            alreadySent: true,
            txId: sent.txId,
            contract: { planHash: sent.contract?.planHash },
        });
        expect(put).not.toHaveBeenCalled();

        // A retry that cannot read the contract fails rather than report the send without it.
        const honest = alice.ledger.query.bind(alice.ledger);
        jest.spyOn(alice.ledger, 'query').mockImplementation(async (transaction, ...args) => {
            if (transaction === 'GetContract') throw new LedgerError('NETWORK_DOWN', 'GetContract: no answer');
            return honest(transaction, ...args);
        });
        await expectRejection(alice.send(path, options), 'NETWORK_DOWN', /^NETWORK_DOWN: GetContract: no answer$/);
        expect(put).not.toHaveBeenCalled();
    });

    it('a plan the chaincode refuses removes the blob: it checks the deadline against the transaction time', async () => {
        const { parties, alice, ids } = world;
        const before = await parties.blobs();
        const journal = await alice.uploads?.pending();
        // Within 10 years of this machine's clock, but not of the stub peer's (2025).
        const deadline = inDays(3500).toISOString();
        await expectRejection(
            alice.send(parties.contract('far.txt', 100), {
                to: [ids.bob],
                suite: 'intl',
                fileId: 'f-far',
                signers: [[ids.bob]],
                deadline,
            }),
            'BAD_ARGUMENT',
            new RegExp(
                `^BAD_ARGUMENT: deadline ${deadline.replace(/\./g, '\\.')} must be after the transaction time .* and at most 10 years after it$`,
            ),
        );
        expect(await parties.blobs()).toEqual(before);
        expect(await alice.uploads?.pending()).toEqual(journal);
        await expectRejection(alice.getFile('f-far'), 'NOT_FOUND', /^NOT_FOUND: no file f-far$/);
    });
});
