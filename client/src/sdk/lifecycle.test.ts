import { StatusCode } from '@hyperledger/fabric-gateway';
import {
    ContractIndexEntry,
    ContractState,
    LedgerError,
    planOf,
    planHash,
    SignatureRecordV3,
} from '@sealpact/protocol';
import { verifyParty } from '../../../chaincode/src/test-support/scenarios';
import { generateKeyPair } from '../crypto/keys';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';
import { StandardParties, standardParties, StubParty } from '../test-support/stub-parties';
import { requireKeyring } from './keyring';
import { CONFLICT_RETRIES } from './resubmit';

/**
 * The contract lifecycle through the SDK on the stub network: the plan's order, parallel steps,
 * decline, void, expiry, the reads and lists, and the retry of a signature that lost a read
 * conflict. alice owns every contract; bob, carol and dave are verified recipients.
 */

let world: StandardParties;
beforeAll(async () => {
    world = await standardParties();
    await verifyParty(world.parties.network, world.ids.carol);
});
afterAll(() => world.parties.remove());
afterEach(() => jest.restoreAllMocks());

/** alice shares `fileId` with bob, carol and dave under a plan of `steps` (party names). */
async function contract(fileId: string, steps: ('alice' | 'bob' | 'carol' | 'dave')[][], deadline?: Date) {
    const { parties, alice, ids } = world;
    const path = parties.contract(`${fileId}.txt`, 2000);
    const signers = steps.map((step) => step.map((name) => ids[name]));
    const sent = await alice.send(path, {
        to: [ids.bob, ids.carol, ids.dave],
        suite: 'gm',
        fileId,
        signers,
        deadline,
    });
    return { path, sent, planHash: sent.contract?.planHash ?? '' };
}

const states = async (party: StubParty, fileId: string) =>
    (await party.contract(fileId)).steps.map((step) => step.signers.map((signer) => signer.state));

const awaiting = async (party: StubParty) => (await party.awaitingMe()).map((entry) => entry.fileId);

describe('signing in the order of the plan', () => {
    it('a later step waits for the earlier; a parallel step completes only once all of it signed', async () => {
        const { alice, bob, carol, dave, ids } = world;
        const { path, sent, planHash: hash } = await contract('f-order', [['bob'], ['carol', 'alice']]);
        expect(await awaiting(bob)).toContain('f-order');
        expect(await awaiting(carol)).not.toContain('f-order');

        await expectRejection(
            carol.sign('f-order', path),
            'NOT_YOUR_TURN',
            /^NOT_YOUR_TURN: Org2MSP\/carol@org2\.example\.com signs in step 2; step 1 of the contract on f-order is not finished$/,
        );
        await expectRejection(
            dave.sign('f-order', path),
            'NOT_A_SIGNER',
            /^NOT_A_SIGNER: Org1MSP\/dave@org1\.example\.com is not a signer of the contract on f-order$/,
        );

        const first = await bob.sign('f-order', path);
        expect(first).toMatchObject<Partial<SignatureRecordV3>>({
            schema: 'sealpact/signature/v3',
            planHash: hash,
            step: 1,
        });
        expect(first.statement).toContain(`\ncontract-plan: ${hash}\nstep: 1\nsigner: ${ids.bob}\n`);
        expect(bob.ledger.verifiedReads).toEqual(expect.arrayContaining(['GetFile', 'GetContract']));
        expect(await states(alice, 'f-order')).toEqual([['signed'], ['awaiting', 'awaiting']]);
        expect(await awaiting(bob)).not.toContain('f-order');
        expect(await awaiting(carol)).toContain('f-order');

        await expectRejection(
            bob.sign('f-order', path),
            'DUPLICATE_ID',
            /^DUPLICATE_ID: Org2MSP\/bob@org2\.example\.com has already signed f-order$/,
        );
        const second = await carol.sign('f-order', path);
        expect(second).toMatchObject({ planHash: hash, step: 2 });
        expect(await alice.contract('f-order')).toMatchObject({ state: 'open', currentStep: 1 });

        const last = await alice.sign('f-order', path);
        const done = await dave.contract('f-order'); // a viewer reads the contract too
        expect(done).toMatchObject({
            state: 'completed',
            currentStep: null,
            closedBy: ids.alice,
            closedTxId: last.txId,
            createdTxId: sent.txId,
            expiredUnrecorded: false,
        });
        expect(planHash(planOf(done))).toBe(hash);
        expect(done.steps.flatMap((step) => step.signers.map((s) => s.txId))).toEqual([
            first.txId,
            second.txId,
            last.txId,
        ]);
        await expectRejection(
            bob.decline('f-order', 'too late'),
            'CONTRACT_CLOSED',
            /^CONTRACT_CLOSED: the contract on f-order is completed$/,
        );
    });

    it('signs nothing when the read of the contract does not verify', async () => {
        const { bob } = world;
        const { path } = await contract('f-unverified', [['bob']]);
        const honest = bob.ledger.read.bind(bob.ledger);
        jest.spyOn(bob.ledger, 'read').mockImplementation(async (transaction, ...args) => {
            if (transaction === 'GetContract') {
                throw new LedgerError('UNVERIFIED_READ', 'GetContract: the endorsed response has status 500');
            }
            return honest(transaction, ...args);
        });
        const submit = jest.spyOn(bob.ledger, 'submit');
        await expectRejection(
            bob.sign('f-unverified', path),
            'UNVERIFIED_READ',
            /^UNVERIFIED_READ: GetContract: the endorsed response has status 500$/,
        );
        expect(submit).not.toHaveBeenCalled();
    });

    it('a file shared without a plan has no contract, and signs as before', async () => {
        const { parties, alice, bob, ids } = world;
        const path = parties.contract('f-planless.txt', 100);
        await alice.send(path, { to: [ids.bob], suite: 'intl', fileId: 'f-planless' });
        await expectRejection(bob.contract('f-planless'), 'NOT_FOUND', /^NOT_FOUND: file f-planless has no contract$/);
        expect(await bob.sign('f-planless', path)).toMatchObject({ planHash: null, step: null });
    });

    it('a signer whose access was revoked cannot sign', async () => {
        const { alice, dave } = world;
        const { path } = await contract('f-revoked', [['dave']]);
        await alice.revoke('f-revoked', world.ids.dave);
        await expectRejection(
            dave.sign('f-revoked', path),
            'ACCESS_DENIED',
            /^ACCESS_DENIED: Org1MSP\/dave@org1\.example\.com may not see file f-revoked$/,
        );
    });

    it('a signer who rotated its keys mid-contract signs with the new signing key, which the record names', async () => {
        const { bob, carol } = world;
        const { path } = await contract('f-rotated', [['bob'], ['carol']]);
        await bob.sign('f-rotated', path);
        const before = await requireKeyring(carol.keyring).active('signing');
        await carol.registerKeys(generateKeyPair('sm2'));
        const after = await requireKeyring(carol.keyring).active('signing');
        expect(after.publicKey.fingerprint).not.toBe(before.publicKey.fingerprint);
        const signed = await carol.sign('f-rotated', path);
        expect(signed.keyFingerprint).toBe(after.publicKey.fingerprint);
        expect(signed.statement).toContain(`\nsigning-key: ${after.publicKey.fingerprint}\n`);
        expect((await carol.contract('f-rotated')).state).toBe('completed');
    });

    it('a signature of one contract replayed onto another is refused', async () => {
        const { bob } = world;
        const one = await contract('f-replay-1', [['bob']]);
        await contract('f-replay-2', [['bob']]);
        const signed = await bob.sign('f-replay-1', one.path);
        await expectRejection(
            bob.ledger.submit('SignContract', 'f-replay-2', signed.statement, signed.signature),
            'STATEMENT_MISMATCH',
            /^STATEMENT_MISMATCH: the statement's fileId must be f-replay-2$/,
        );
        expect((await bob.contract('f-replay-2')).steps[0]?.signers[0]?.state).toBe('awaiting');
    });
});

describe('a signature that lost a read conflict', () => {
    it('is endorsed and submitted again until it lands', async () => {
        const { bob } = world;
        const { path } = await contract('f-conflict', [['bob', 'carol']]);
        bob.ledger.invalidateAtCommit('SignContract', StatusCode.MVCC_READ_CONFLICT, 2);
        const submit = jest.spyOn(bob.ledger, 'submit');
        const signed = await bob.sign('f-conflict', path);
        expect(submit.mock.calls.map(([transaction]) => transaction)).toEqual(Array(3).fill('SignContract'));
        expect((await bob.contract('f-conflict')).steps[0]?.signers[0]).toMatchObject({
            state: 'signed',
            txId: signed.txId,
        });
    });

    it(`gives up after ${CONFLICT_RETRIES} retries, and never retries another invalidation`, async () => {
        const { bob, carol } = world;
        const { path } = await contract('f-conflicts', [['bob', 'carol']]);
        bob.ledger.invalidateAtCommit('SignContract', StatusCode.MVCC_READ_CONFLICT, CONFLICT_RETRIES + 1);
        const submit = jest.spyOn(bob.ledger, 'submit');
        await expectRejection(
            bob.sign('f-conflicts', path),
            'COMMIT_FAILED',
            /^COMMIT_FAILED: SignContract transaction [0-9a-f]{64} was not committed: MVCC_READ_CONFLICT$/,
        );
        expect(submit).toHaveBeenCalledTimes(CONFLICT_RETRIES + 1);

        carol.ledger.invalidateAtCommit('SignContract', StatusCode.ENDORSEMENT_POLICY_FAILURE);
        const once = jest.spyOn(carol.ledger, 'submit');
        await expectRejection(
            carol.sign('f-conflicts', path),
            'COMMIT_FAILED',
            /^COMMIT_FAILED: SignContract transaction [0-9a-f]{64} was not committed: ENDORSEMENT_POLICY_FAILURE$/,
        );
        expect(once).toHaveBeenCalledTimes(1);
        expect(await states(bob, 'f-conflicts')).toEqual([['awaiting', 'awaiting']]);
    });

    it('a decline racing a signature is retried too', async () => {
        const { carol, ids } = world;
        await contract('f-decline-conflict', [['bob', 'carol']]);
        carol.ledger.invalidateAtCommit('DeclineContract', StatusCode.MVCC_READ_CONFLICT);
        const declined = await carol.decline('f-decline-conflict', 'not now');
        expect(declined).toMatchObject({ state: 'declined', closedBy: ids.carol, closedTxId: declined.txId });
    });
});

describe('decline and void', () => {
    it('an awaiting signer declines with a reason; nobody signs after it', async () => {
        const { alice, bob, carol, dave, ids } = world;
        const { path } = await contract('f-declined', [['bob'], ['carol']]);
        await expectRejection(
            carol.decline('f-declined', 'wrong price'),
            'NOT_YOUR_TURN',
            /^NOT_YOUR_TURN: Org2MSP\/carol@org2\.example\.com signs in step 2; step 1 of the contract on f-declined is not finished$/,
        );
        await expectRejection(
            dave.decline('f-declined', 'not mine'),
            'NOT_A_SIGNER',
            /^NOT_A_SIGNER: Org1MSP\/dave@org1\.example\.com is not a signer of the contract on f-declined$/,
        );
        await expectRejection(
            bob.decline('f-declined', ' '),
            'BAD_ARGUMENT',
            /^BAD_ARGUMENT: reason must not be empty or only white space$/,
        );
        const reason = '价格不对: the price in clause 4 is wrong';
        const declined = await bob.decline('f-declined', reason);
        expect(declined).toMatchObject({ state: 'declined', reason, closedBy: ids.bob, currentStep: null });
        expect(await states(alice, 'f-declined')).toEqual([['declined'], ['waiting']]);
        expect(await awaiting(bob)).not.toContain('f-declined');
        await expectRejection(
            carol.sign('f-declined', path),
            'CONTRACT_CLOSED',
            /^CONTRACT_CLOSED: the contract on f-declined is declined$/,
        );
        await expectRejection(
            alice.void('f-declined', 'moot'),
            'CONTRACT_CLOSED',
            /^CONTRACT_CLOSED: the contract on f-declined is declined$/,
        );
    });

    it('a signer who signed cannot decline', async () => {
        const { bob } = world;
        const { path } = await contract('f-signed-first', [['bob'], ['carol']]);
        await bob.sign('f-signed-first', path);
        await expectRejection(
            bob.decline('f-signed-first', 'changed my mind'),
            'WRONG_STATE',
            /^WRONG_STATE: Org2MSP\/bob@org2\.example\.com has already signed f-signed-first and cannot decline it$/,
        );
    });

    it('only the owner voids, with a reason, once', async () => {
        const { alice, bob, ids } = world;
        const { path } = await contract('f-voided', [['bob']]);
        await expectRejection(
            bob.void('f-voided', 'not mine to void'),
            'ACCESS_DENIED',
            /^ACCESS_DENIED: only the owner of f-voided may void its contract$/,
        );
        const voided = await alice.void('f-voided', 'superseded by f-order');
        expect(voided).toMatchObject({ state: 'voided', reason: 'superseded by f-order', closedBy: ids.alice });
        await expectRejection(
            alice.void('f-voided', 'again'),
            'CONTRACT_CLOSED',
            /^CONTRACT_CLOSED: the contract on f-voided is voided$/,
        );
        await expectRejection(
            bob.sign('f-voided', path),
            'CONTRACT_CLOSED',
            /^CONTRACT_CLOSED: the contract on f-voided is voided$/,
        );
        expect(await awaiting(bob)).not.toContain('f-voided');
    });
});

describe('lists', () => {
    it('started lists every contract of the owner, or those in one state now', async () => {
        const { alice, bob } = world;
        const started = await alice.started();
        const byState = (state: ContractState) => started.filter((e) => e.state === state).map((e) => e.fileId);
        expect(byState('completed')).toEqual(expect.arrayContaining(['f-order', 'f-rotated']));
        expect(byState('declined')).toEqual(expect.arrayContaining(['f-declined', 'f-decline-conflict']));
        expect((await alice.started('voided')).map((e) => e.fileId)).toEqual(['f-voided']);
        expect((await alice.started('open')).every((e) => e.state === 'open')).toBe(true);
        expect(await bob.started()).toEqual([]);
    });
});

describe('a deadline', () => {
    /** A world of its own: its stub peer's clock is moved past the deadline. */
    let own: StandardParties;
    beforeAll(async () => {
        own = await standardParties();
    });
    afterAll(() => own.parties.remove());

    it('closes signing once passed; reads say expired until anyone with access records it', async () => {
        const { parties, alice, bob, dave, ids } = own;
        const path = parties.contract('f-deadline.txt', 100);
        const deadline = new Date(Date.now() + 86_400_000);
        const options = { to: [ids.bob, ids.dave], suite: 'gm' as const, signers: [[ids.bob], [ids.dave]], deadline };
        await alice.send(path, { ...options, fileId: 'f-deadline' });
        await alice.send(path, { ...options, fileId: 'f-deadline-2' });
        await alice.send(path, { ...options, fileId: 'f-no-deadline', deadline: undefined });
        const iso = deadline.toISOString();
        await expectRejection(
            bob.expire('f-deadline'),
            'WRONG_STATE',
            new RegExp(
                `^WRONG_STATE: the deadline ${iso.replace(/\./g, '\\.')} of the contract on f-deadline has not passed at `,
            ),
        );

        parties.network.advanceClock(deadline.getTime() - parties.network.nextTimestamp().getTime());
        const view = await bob.contract('f-deadline');
        expect(view).toMatchObject({ state: 'expired', expiredUnrecorded: true, closedAt: null, currentStep: 0 });
        expect(await bob.awaitingMe()).toEqual([
            expect.objectContaining<Partial<ContractIndexEntry>>({ fileId: 'f-deadline', state: 'expired' }),
            expect.objectContaining<Partial<ContractIndexEntry>>({ fileId: 'f-deadline-2', state: 'expired' }),
            expect.objectContaining<Partial<ContractIndexEntry>>({ fileId: 'f-no-deadline', state: 'open' }),
        ]);
        const passed = new RegExp(
            `^DEADLINE_PASSED: the deadline ${iso.replace(/\./g, '\\.')} of the contract on f-deadline has passed$`,
        );
        await expectRejection(bob.sign('f-deadline', path), 'DEADLINE_PASSED', passed);
        await expectRejection(bob.decline('f-deadline', 'late'), 'DEADLINE_PASSED', passed);
        await expectRejection(alice.void('f-deadline', 'late'), 'DEADLINE_PASSED', passed);

        // dave, a signer of a later step, holds a credential: he may record it.
        const expired = await dave.expire('f-deadline');
        expect(expired).toMatchObject({ state: 'expired', closedBy: ids.dave, reason: null });
        expect(await bob.contract('f-deadline')).toMatchObject({ state: 'expired', expiredUnrecorded: false });
        await expectRejection(
            alice.expire('f-deadline'),
            'CONTRACT_CLOSED',
            /^CONTRACT_CLOSED: the contract on f-deadline is expired$/,
        );
        await expectRejection(
            alice.expire('f-no-deadline'),
            'WRONG_STATE',
            /^WRONG_STATE: the contract on f-no-deadline has no deadline$/,
        );

        // Recorded or not, an expired contract is listed as expired, and not as open.
        const ids2 = (entries: ContractIndexEntry[]) => entries.map((entry) => entry.fileId);
        expect(ids2(await alice.started('expired'))).toEqual(['f-deadline', 'f-deadline-2']);
        expect(ids2(await alice.started('open'))).toEqual(['f-no-deadline']);
        expect(ids2(await alice.started())).toHaveLength(3);
    });
});
