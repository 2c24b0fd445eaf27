import { expect } from '@jest/globals';
import { ContractEvent, ContractRecord, FileRecord, PLAN_LIMITS, planHash, planOf } from '@sealpact/protocol';
import { defined } from '../../protocol/src/test-support/defined';
import { evaluateJson, submitJson } from './test-support/answers';
import { IdentityName } from './test-support/fixtures';
import { refused } from './test-support/refused';
import {
    contractArgs,
    contractParties,
    credentialFor,
    keysOf,
    PARTY,
    registerKeys,
    shareContract,
    shareFile,
    signatureArgs,
} from './test-support/scenarios';
import { StubNetwork } from './test-support/stub-network';

type Name = 'alice' | 'bob' | 'carol' | 'dave';
const EVERYONE: Name[] = ['alice', 'bob', 'carol', 'dave'];
const HOUR = 3_600_000;

describe('contracts with a lifecycle', () => {
    let ledger: StubNetwork;
    let keys: Awaited<ReturnType<typeof contractParties>>;

    beforeEach(async () => {
        ledger = new StubNetwork();
        keys = await contractParties(ledger);
    });

    const ids = (...names: Name[]) => names.map((name) => PARTY[name]);
    const credentials = (fileId: string, names: Name[] = EVERYONE) =>
        names.map((name) => credentialFor(PARTY[name], keys[name].encryption, fileId));
    /** alice shares `fileId` with everyone (or `names`) under a plan of `steps`. */
    const share = (fileId: string, steps: Name[][], deadline: string | null = null, names: Name[] = EVERYONE) =>
        shareContract(
            ledger,
            'alice',
            fileId,
            credentials(fileId, names),
            steps.map((step) => ids(...step)),
            deadline,
        );
    const signArgs = (name: Name, file: FileRecord, contract: ContractRecord | null) =>
        signatureArgs(file, PARTY[name], keys[name].signing, contract);
    const sign = (name: Name, file: FileRecord, contract: ContractRecord) => {
        const { statement, signature } = signArgs(name, file, contract);
        return ledger.submit(name, 'SignContract', file.fileId, statement, signature);
    };
    /** The event committed with `txId`, its payload parsed. */
    const eventOf = (txId: string) => {
        const event = defined(
            ledger.events.find((e) => e.txId === txId),
            `the event of ${txId}`,
        );
        return { name: event.name, payload: JSON.parse(event.payload) as ContractEvent };
    };
    /** An hour after the next transaction's time. */
    const inAnHour = () => new Date(ledger.nextTimestamp().getTime() + HOUR).toISOString();
    const contractOf = (who: IdentityName, fileId: string) => evaluateJson(ledger, who, 'GetContract', fileId);

    describe('ShareContract', () => {
        it('records the file and its contract in one transaction, with one FileShared event naming the contract', async () => {
            const at = ledger.nextTimestamp().toISOString();
            const deadline = '2025-06-30T12:00:00.000Z';
            const { txId, payload } = await ledger.submit(
                'alice',
                'ShareContract',
                ...contractArgs('c1', credentials('c1'), [ids('bob'), ids('carol', 'alice')], '2025-06-30T12:00:00Z'),
            );
            const { file, contract } = JSON.parse(payload) as { file: FileRecord; contract: ContractRecord };
            expect(file).toMatchObject({ fileId: 'c1', owner: PARTY.alice, createdTxId: txId, createdAt: at });
            const awaiting = { state: 'awaiting', at, txId };
            const waiting = { state: 'waiting', at: null, txId: null };
            expect(contract).toEqual({
                schema: 'sealpact/contract/v1',
                fileId: 'c1',
                owner: PARTY.alice,
                planHash: planHash({
                    fileId: 'c1',
                    owner: PARTY.alice,
                    steps: [ids('bob'), ids('carol', 'alice')],
                    deadline,
                }),
                steps: [
                    { signers: [{ partyId: PARTY.bob, ...awaiting }] },
                    {
                        signers: [
                            { partyId: PARTY.carol, ...waiting },
                            { partyId: PARTY.alice, ...waiting },
                        ],
                    },
                ],
                deadline,
                state: 'open',
                currentStep: 0,
                createdAt: at,
                createdTxId: txId,
                closedAt: null,
                closedTxId: null,
                closedBy: null,
                reason: null,
                updatedAt: at,
                updatedTxId: txId,
            });
            expect(planHash(planOf(contract))).toBe(contract.planHash);
            expect(ledger.events.filter((e) => e.txId === txId)).toHaveLength(1);
            expect(eventOf(txId).name).toBe('FileShared');
            expect(eventOf(txId).payload).toEqual({
                schema: 'sealpact/event/access/v1',
                fileId: 'c1',
                owner: PARTY.alice,
                recipients: credentials('c1').map(({ partyId, keyFingerprint }) => ({ partyId, keyFingerprint })),
                txId,
                at,
                contract: {
                    schema: 'sealpact/event/contract/v1',
                    fileId: 'c1',
                    owner: PARTY.alice,
                    action: 'created',
                    by: PARTY.alice,
                    state: 'open',
                    step: 0,
                    turn: [PARTY.bob],
                    concerned: [PARTY.alice, PARTY.carol, PARTY.bob].sort(),
                    reason: null,
                    txId,
                    at,
                },
            });
            expect(await contractOf('dave', 'c1')).toEqual({ ...contract, expiredUnrecorded: false });
            expect(await contractOf('auditor', 'c1')).toEqual({ ...contract, expiredUnrecorded: false });
            const entry = { fileId: 'c1', owner: PARTY.alice, state: 'open', step: 0, deadline, since: at, txId };
            expect(await evaluateJson(ledger, 'bob', 'ListAwaiting', '10', '')).toEqual({
                items: [entry],
                bookmark: '',
            });
            expect(await evaluateJson(ledger, 'carol', 'ListAwaiting', '10', '')).toEqual({ items: [], bookmark: '' });
            expect(await evaluateJson(ledger, 'alice', 'ListStarted', '', '10', '')).toEqual({
                items: [entry],
                bookmark: '',
            });
            // The file is an ordinary file too: in the inbox and sent lists.
            const inbox = await evaluateJson(ledger, 'dave', 'ListInbox', '10', '');
            expect(inbox.items.map((item) => item.fileId)).toEqual(['c1']);
        });

        it('writes nothing when the plan is refused: no file exists without its plan', async () => {
            await expect(share('c1', [['bob']], null, ['alice', 'carol'])).rejects.toThrow(
                refused('BAD_ARGUMENT', `${PARTY.bob} is in the plan but is neither the owner nor a recipient of c1`),
            );
            await expect(ledger.evaluate('alice', 'GetFile', 'c1')).rejects.toThrow(refused('NOT_FOUND', 'no file c1'));
            expect(ledger.committed.filter((tx) => tx.transaction === 'ShareContract')).toEqual([]);
        });

        it.each([
            ['not an object', '[]', 'BAD_JSON', 'plan must be a JSON object'],
            ['without a deadline member', '{"steps":[["P"]]}', 'BAD_JSON', 'exactly the members steps, deadline'],
            ['with another member', '{"steps":[],"deadline":null,"x":1}', 'BAD_JSON', 'exactly the members'],
            ['a numeric deadline', '{"steps":[],"deadline":1}', 'BAD_JSON', 'plan.deadline must be a string or null'],
            ['steps not a list', '{"steps":{},"deadline":null}', 'BAD_JSON', 'plan.steps must be a JSON array'],
            ['a step not a list', '{"steps":["x"],"deadline":null}', 'BAD_JSON', 'plan.steps[0] must be a JSON array'],
            [
                'a signer not a string',
                '{"steps":[[1]],"deadline":null}',
                'BAD_JSON',
                'plan.steps[0][0] must be a string',
            ],
            ['no step', '{"steps":[],"deadline":null}', 'BAD_ARGUMENT', 'a plan has at least one step'],
            ['an empty step', '{"steps":[[]],"deadline":null}', 'BAD_ARGUMENT', 'plan.steps[0] has no signer'],
            ['a malformed party id', '{"steps":[["bob"]],"deadline":null}', 'BAD_ARGUMENT', 'party id must be'],
            [
                'a party twice',
                JSON.stringify({ steps: [[PARTY.bob], [PARTY.carol, PARTY.bob]], deadline: null }),
                'BAD_ARGUMENT',
                `the plan names ${PARTY.bob} twice`,
            ],
            [
                'a deadline not a time',
                JSON.stringify({ steps: [[PARTY.bob]], deadline: 'tomorrow' }),
                'BAD_ARGUMENT',
                'deadline must be an ISO 8601 UTC time',
            ],
            ['invalid JSON', '{"steps":', 'BAD_JSON', 'plan is not valid JSON'],
        ] as const)('refuses a plan that is %s', async (_case, plan, code, rule) => {
            const args = [...contractArgs('c1', credentials('c1'), []).slice(0, -1), plan];
            await expect(ledger.submit('alice', 'ShareContract', ...args)).rejects.toThrow(refused(code, rule));
        });

        it('refuses plans past their bounds (FIELD_TOO_LARGE) and holds exactly at them', async () => {
            const party = (i: number) => `Org9MSP/p${i}@org9.example.com`;
            const plan = (steps: string[][]) => JSON.stringify({ steps, deadline: null });
            const cases = [
                [Array.from({ length: PLAN_LIMITS.steps + 1 }, (_, i) => [party(i)]), 'plan.steps has more than 10'],
                [[Array.from({ length: PLAN_LIMITS.signersPerStep + 1 }, (_, i) => party(i))], 'more than 20 entries'],
                [
                    Array.from({ length: 3 }, (_, s) => Array.from({ length: 17 }, (_, i) => party(s * 17 + i))),
                    'the plan has 51 signers; at most 50',
                ],
            ] as const;
            for (const [steps, rule] of cases) {
                const args = [...contractArgs('c1', credentials('c1'), []).slice(0, -1), plan(steps as string[][])];
                await expect(ledger.submit('alice', 'ShareContract', ...args)).rejects.toThrow(
                    refused('FIELD_TOO_LARGE', rule),
                );
            }
            const long = [...contractArgs('c1', credentials('c1'), []).slice(0, -1), ' '.repeat(16 * 1024 + 1)];
            await expect(ledger.submit('alice', 'ShareContract', ...long)).rejects.toThrow(
                refused('FIELD_TOO_LARGE', 'plan is longer than 16384 characters'),
            );
            // At the bounds the plan is well formed: refused only because its parties are strangers.
            const sizes = [20, 20, 3, 1, 1, 1, 1, 1, 1, 1];
            const full = sizes.map((size, s) => Array.from({ length: size }, (_, i) => party(s * 100 + i)));
            expect([full.length, Math.max(...sizes), full.flat().length]).toEqual([
                PLAN_LIMITS.steps,
                PLAN_LIMITS.signersPerStep,
                PLAN_LIMITS.signers,
            ]);
            const atBounds = [...contractArgs('c1', credentials('c1'), []).slice(0, -1), plan(full)];
            await expect(ledger.submit('alice', 'ShareContract', ...atBounds)).rejects.toThrow(
                refused('BAD_ARGUMENT', `${party(0)} is in the plan but is neither the owner nor a recipient`),
            );
        });

        it('takes a deadline after the transaction time and at most ten years after it', async () => {
            const now = ledger.nextTimestamp();
            const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
            const tenYears = new Date(now);
            tenYears.setUTCFullYear(now.getUTCFullYear() + 10);
            // Each attempt is a transaction: the clock moves one second per attempt.
            for (const [deadline, offset] of [
                [at(0), 0],
                [at(-HOUR), 1],
                [new Date(tenYears.getTime() + 3000).toISOString(), 2],
            ] as const) {
                expect(ledger.nextTimestamp().getTime()).toBe(now.getTime() + offset * 1000);
                await expect(share(`c${offset}`, [['bob']], deadline)).rejects.toThrow(
                    refused('BAD_ARGUMENT', 'must be after the transaction time'),
                );
            }
            const { contract } = await share('c3', [['bob']], new Date(tenYears.getTime() + 3000).toISOString());
            expect(contract.deadline).toBe(new Date(tenYears.getTime() + 3000).toISOString());
        });
    });

    describe('signing in order', () => {
        it('refuses a signer whose step is not open, then completes step by step, parallel steps when all signed', async () => {
            const { file, contract } = await share('c1', [['bob'], ['carol', 'dave', 'alice']]);
            await expect(sign('carol', file, contract)).rejects.toThrow(
                refused(
                    'NOT_YOUR_TURN',
                    `${PARTY.carol} signs in step 2; step 1 of the contract on c1 is not finished`,
                ),
            );
            await expect(sign('alice', file, contract)).rejects.toThrow(refused('NOT_YOUR_TURN', 'signs in step 2'));

            const bobAt = ledger.nextTimestamp().toISOString();
            const bob = await sign('bob', file, contract);
            const signed = JSON.parse(bob.payload) as Record<string, unknown>;
            expect(signed).toMatchObject({
                schema: 'sealpact/signature/v3',
                signer: PARTY.bob,
                planHash: contract.planHash,
                step: 1,
                signedAt: bobAt,
                txId: bob.txId,
            });
            const concerned = ids('alice', 'bob', 'carol', 'dave').sort();
            const event = (
                action: ContractEvent['action'],
                by: string,
                step: number | null,
                turn: string[],
                txId: string,
                at: string,
            ) => ({
                schema: 'sealpact/event/contract/v1',
                fileId: 'c1',
                owner: PARTY.alice,
                action,
                by,
                state: step === null ? 'completed' : 'open',
                step,
                turn,
                concerned,
                reason: null,
                txId,
                at,
            });
            expect(eventOf(bob.txId)).toEqual({
                name: 'ContractSigned',
                payload: event('signed', PARTY.bob, 1, ids('alice', 'carol', 'dave').sort(), bob.txId, bobAt),
            });

            const carolAt = ledger.nextTimestamp().toISOString();
            const carol = await sign('carol', file, contract);
            expect(eventOf(carol.txId).payload).toEqual(
                event('signed', PARTY.carol, 1, ids('alice', 'dave').sort(), carol.txId, carolAt),
            );
            const aliceAt = ledger.nextTimestamp().toISOString();
            const alice = await sign('alice', file, contract);
            expect(eventOf(alice.txId).payload).toEqual(
                event('signed', PARTY.alice, 1, [PARTY.dave], alice.txId, aliceAt),
            );
            let view = await contractOf('bob', 'c1');
            expect(view).toMatchObject({ state: 'open', currentStep: 1, closedAt: null });
            expect(view.steps[1]?.signers.map((s) => s.state)).toEqual(['signed', 'awaiting', 'signed']);

            const daveAt = ledger.nextTimestamp().toISOString();
            const dave = await sign('dave', file, contract);
            expect(eventOf(dave.txId)).toEqual({
                name: 'ContractSigned',
                payload: event('completed', PARTY.dave, null, [], dave.txId, daveAt),
            });
            view = await contractOf('bob', 'c1');
            expect(view).toMatchObject({
                state: 'completed',
                currentStep: null,
                closedAt: daveAt,
                closedTxId: dave.txId,
                closedBy: PARTY.dave,
                updatedAt: daveAt,
                expiredUnrecorded: false,
            });
            expect(view.steps).toEqual([
                { signers: [{ partyId: PARTY.bob, state: 'signed', at: bobAt, txId: bob.txId }] },
                {
                    signers: [
                        { partyId: PARTY.carol, state: 'signed', at: carolAt, txId: carol.txId },
                        { partyId: PARTY.dave, state: 'signed', at: daveAt, txId: dave.txId },
                        { partyId: PARTY.alice, state: 'signed', at: aliceAt, txId: alice.txId },
                    ],
                },
            ]);
            const signatures = await evaluateJson(ledger, 'auditor', 'GetSignatures', 'c1');
            // In key order: by signer party id.
            expect(signatures.map((s) => [s.signer, s.schema === 'sealpact/signature/v3' && s.step])).toEqual([
                [PARTY.alice, 2],
                [PARTY.dave, 2],
                [PARTY.bob, 1],
                [PARTY.carol, 2],
            ]);
            for (const name of ['bob', 'carol', 'dave'] as const) {
                expect((await evaluateJson(ledger, name, 'ListAwaiting', '10', '')).items).toEqual([]);
            }
            const started = await evaluateJson(ledger, 'alice', 'ListStarted', '', '10', '');
            expect(started.items).toEqual([
                {
                    fileId: 'c1',
                    owner: PARTY.alice,
                    state: 'completed',
                    step: null,
                    deadline: null,
                    since: daveAt,
                    txId: dave.txId,
                },
            ]);
        });

        it('refuses a second signature of a signer whose step is still open (DUPLICATE_ID)', async () => {
            const { file, contract } = await share('c1', [['bob', 'carol']]);
            await sign('bob', file, contract);
            await expect(sign('bob', file, contract)).rejects.toThrow(
                refused('DUPLICATE_ID', `${PARTY.bob} has already signed c1`),
            );
        });

        it('refuses recipients outside the plan (NOT_A_SIGNER) and parties without access (ACCESS_DENIED)', async () => {
            const { file, contract } = await share('c1', [['bob']], null, ['alice', 'bob', 'carol']);
            await expect(sign('carol', file, contract)).rejects.toThrow(
                refused('NOT_A_SIGNER', `${PARTY.carol} is not a signer of the contract on c1`),
            );
            await expect(sign('dave', file, contract)).rejects.toThrow(
                refused('ACCESS_DENIED', `${PARTY.dave} holds no active credential for c1`),
            );
        });

        it('refuses a signer whose access was revoked, while it is its turn', async () => {
            const { file, contract } = await share('c1', [['bob'], ['carol']]);
            await ledger.submit('alice', 'RevokeAccess', 'c1', PARTY.bob);
            await expect(sign('bob', file, contract)).rejects.toThrow(
                refused('ACCESS_DENIED', `${PARTY.bob} holds no active credential for c1`),
            );
            await expect(ledger.submit('bob', 'DeclineContract', 'c1', 'no')).rejects.toThrow(
                refused('ACCESS_DENIED', `${PARTY.bob} holds no active credential for c1`),
            );
            // Given access again, it signs: the contract waited.
            await ledger.submit('alice', 'GrantAccess', 'c1', JSON.stringify(credentials('c1', ['bob'])));
            await sign('bob', file, contract);
            expect((await contractOf('alice', 'c1')).currentStep).toBe(1);
        });

        it('takes the signature of a signer who rotated its signing key mid-contract, and the record names the new key', async () => {
            const { file, contract } = await share('c1', [['carol'], ['bob']]);
            await sign('carol', file, contract);
            const rotated = keysOf('spare', 'sm2');
            await registerKeys(ledger, 'bob', rotated);
            const old = signArgs('bob', file, contract);
            await expect(ledger.submit('bob', 'SignContract', 'c1', old.statement, old.signature)).rejects.toThrow(
                refused('STATEMENT_MISMATCH', "the statement's signingKey must be"),
            );
            const fresh = signatureArgs(file, PARTY.bob, rotated.signing, contract);
            const { payload } = await ledger.submit('bob', 'SignContract', 'c1', fresh.statement, fresh.signature);
            const record = JSON.parse(payload) as { keyFingerprint: string; statement: string };
            const party = await evaluateJson(ledger, 'alice', 'GetParty', PARTY.bob);
            expect(record.keyFingerprint).toBe(party.signingKey);
            expect(record.statement).toContain(`signing-key: ${party.signingKey}\n`);
            expect((await contractOf('alice', 'c1')).state).toBe('completed');
        });
    });

    describe('replay', () => {
        it("refuses a statement naming another file, another contract's plan, another step, or no plan", async () => {
            const a = await share('a', [['bob'], ['carol']]);
            const b = await share('b', [['bob'], ['carol']]);
            const plain = await shareFile(ledger, 'alice', 'plain', credentials('plain'));
            const submit = (fileId: string, args: { statement: string; signature: string }) =>
                ledger.submit('bob', 'SignContract', fileId, args.statement, args.signature);

            await expect(submit('b', signArgs('bob', a.file, a.contract))).rejects.toThrow(
                refused('STATEMENT_MISMATCH', "the statement's fileId must be b"),
            );
            const otherPlan = { planHash: a.contract.planHash, step: 1 };
            await expect(submit('b', signatureArgs(b.file, PARTY.bob, keys.bob.signing, otherPlan))).rejects.toThrow(
                refused('STATEMENT_MISMATCH', `the statement's contractPlan must be ${b.contract.planHash}`),
            );
            const otherStep = { planHash: b.contract.planHash, step: 2 };
            await expect(submit('b', signatureArgs(b.file, PARTY.bob, keys.bob.signing, otherStep))).rejects.toThrow(
                refused('STATEMENT_MISMATCH', "the statement's step must be 1"),
            );
            await expect(submit('b', signArgs('bob', b.file, null))).rejects.toThrow(
                refused('STATEMENT_MISMATCH', `the statement's contractPlan must be ${b.contract.planHash}`),
            );
            const onPlain = signatureArgs(plain, PARTY.bob, keys.bob.signing, {
                planHash: b.contract.planHash,
                step: 1,
            });
            await expect(submit('plain', onPlain)).rejects.toThrow(
                refused('STATEMENT_MISMATCH', "the statement's contractPlan must be none"),
            );
            // The statement signed for one contract's step verifies for nothing else; for its own, it records.
            await submit('b', signArgs('bob', b.file, b.contract));
            expect((await contractOf('bob', 'b')).steps[0]?.signers[0]?.state).toBe('signed');
            expect((await contractOf('bob', 'a')).steps[0]?.signers[0]?.state).toBe('awaiting');
        });
    });

    describe('decline, void and closed contracts', () => {
        it('an awaiting signer declines with a reason; nobody signs, declines or voids afterwards', async () => {
            const { file, contract } = await share('c1', [['bob', 'carol'], ['dave']]);
            await sign('bob', file, contract);
            await expect(ledger.submit('dave', 'DeclineContract', 'c1', 'no')).rejects.toThrow(
                refused('NOT_YOUR_TURN', `${PARTY.dave} signs in step 2`),
            );
            await expect(ledger.submit('alice', 'DeclineContract', 'c1', 'no')).rejects.toThrow(
                refused('NOT_A_SIGNER', `${PARTY.alice} is not a signer of the contract on c1`),
            );
            await expect(ledger.submit('bob', 'DeclineContract', 'c1', 'no')).rejects.toThrow(
                refused('WRONG_STATE', `${PARTY.bob} has already signed c1 and cannot decline it`),
            );
            const at = ledger.nextTimestamp().toISOString();
            const reason = 'Clause 7 (penalties) is not what we agreed — 条款不符';
            const declined = await submitJson(ledger, 'carol', 'DeclineContract', 'c1', reason);
            const txId = defined(ledger.committed.at(-1), 'the decline').txId;
            expect(declined).toMatchObject({
                state: 'declined',
                currentStep: null,
                reason,
                closedAt: at,
                closedTxId: txId,
                closedBy: PARTY.carol,
            });
            expect(declined.steps[0]?.signers[1]).toEqual({ partyId: PARTY.carol, state: 'declined', at, txId });
            expect(declined.steps[1]?.signers[0]?.state).toBe('waiting');
            expect(eventOf(txId)).toEqual({
                name: 'ContractDeclined',
                payload: {
                    schema: 'sealpact/event/contract/v1',
                    fileId: 'c1',
                    owner: PARTY.alice,
                    action: 'declined',
                    by: PARTY.carol,
                    state: 'declined',
                    step: null,
                    turn: [],
                    concerned: ids('alice', 'bob', 'carol', 'dave').sort(),
                    reason,
                    txId,
                    at,
                },
            });
            expect((await evaluateJson(ledger, 'carol', 'ListAwaiting', '10', '')).items).toEqual([]);
            expect((await evaluateJson(ledger, 'alice', 'ListStarted', 'declined', '10', '')).items).toHaveLength(1);
            expect((await evaluateJson(ledger, 'alice', 'ListStarted', 'open', '10', '')).items).toEqual([]);

            await expect(sign('carol', file, contract)).rejects.toThrow(
                refused('CONTRACT_CLOSED', 'the contract on c1 is declined'),
            );
            await expect(ledger.submit('carol', 'DeclineContract', 'c1', 'again')).rejects.toThrow(
                refused('CONTRACT_CLOSED', 'the contract on c1 is declined'),
            );
            await expect(ledger.submit('alice', 'VoidContract', 'c1', 'late')).rejects.toThrow(
                refused('CONTRACT_CLOSED', 'the contract on c1 is declined'),
            );
        });

        it('refuses a reason that is empty, blank, too long or holds control characters', async () => {
            await share('c1', [['bob']]);
            const decline = (reason: string) => ledger.submit('bob', 'DeclineContract', 'c1', reason);
            await expect(decline('')).rejects.toThrow(
                refused('BAD_ARGUMENT', 'reason must not be empty or only white space'),
            );
            await expect(decline(' \u3000 ')).rejects.toThrow(
                refused('BAD_ARGUMENT', 'must not be empty or only white space'),
            );
            await expect(decline('a\nb')).rejects.toThrow(
                refused('BAD_ARGUMENT', 'reason must not hold a control character'),
            );
            await expect(decline('a\u0085b')).rejects.toThrow(
                refused('BAD_ARGUMENT', 'must not hold a control character'),
            );
            await expect(decline('x'.repeat(PLAN_LIMITS.reason + 1))).rejects.toThrow(
                refused('FIELD_TOO_LARGE', 'reason is longer than 500 characters'),
            );
            await expect(decline('😀'.repeat(PLAN_LIMITS.reason + 1))).rejects.toThrow(
                refused('FIELD_TOO_LARGE', 'reason is longer than 500 characters'),
            );
            await expect(ledger.submit('alice', 'VoidContract', 'c1', '')).rejects.toThrow(
                refused('BAD_ARGUMENT', 'reason must not be empty'),
            );
            // 500 characters of two UTF-16 units each are 500 characters.
            const declined = await submitJson(ledger, 'bob', 'DeclineContract', 'c1', '😀'.repeat(PLAN_LIMITS.reason));
            expect(declined.reason).toHaveLength(2 * PLAN_LIMITS.reason);
        });

        it('only the owner voids, while open; the void closes the contract for everyone', async () => {
            const { file, contract } = await share('c1', [['bob'], ['carol']]);
            await expect(ledger.submit('bob', 'VoidContract', 'c1', 'mine now')).rejects.toThrow(
                refused('ACCESS_DENIED', 'only the owner of c1 may void its contract'),
            );
            await sign('bob', file, contract);
            const at = ledger.nextTimestamp().toISOString();
            const voided = await submitJson(ledger, 'alice', 'VoidContract', 'c1', 'Superseded by c2');
            const txId = defined(ledger.committed.at(-1), 'the void').txId;
            expect(voided).toMatchObject({
                state: 'voided',
                currentStep: null,
                reason: 'Superseded by c2',
                closedAt: at,
                closedBy: PARTY.alice,
                closedTxId: txId,
            });
            // Signer states freeze: carol's turn had come.
            expect(voided.steps.map((s) => s.signers[0]?.state)).toEqual(['signed', 'awaiting']);
            expect(eventOf(txId)).toEqual({
                name: 'ContractVoided',
                payload: {
                    schema: 'sealpact/event/contract/v1',
                    fileId: 'c1',
                    owner: PARTY.alice,
                    action: 'voided',
                    by: PARTY.alice,
                    state: 'voided',
                    step: null,
                    turn: [],
                    concerned: ids('alice', 'bob', 'carol').sort(),
                    reason: 'Superseded by c2',
                    txId,
                    at,
                },
            });
            expect((await evaluateJson(ledger, 'carol', 'ListAwaiting', '10', '')).items).toEqual([]);
            await expect(sign('carol', file, contract)).rejects.toThrow(refused('CONTRACT_CLOSED', 'is voided'));
            await expect(ledger.submit('alice', 'VoidContract', 'c1', 'twice')).rejects.toThrow(
                refused('CONTRACT_CLOSED', 'the contract on c1 is voided'),
            );
        });

        it('refuses to sign a completed contract', async () => {
            const { file, contract } = await share('c1', [['bob']]);
            await sign('bob', file, contract);
            await expect(sign('bob', file, contract)).rejects.toThrow(
                refused('CONTRACT_CLOSED', 'the contract on c1 is completed'),
            );
            await expect(sign('carol', file, contract)).rejects.toThrow(refused('CONTRACT_CLOSED', 'is completed'));
            await expect(ledger.submit('alice', 'VoidContract', 'c1', 'too late')).rejects.toThrow(
                refused('CONTRACT_CLOSED', 'is completed'),
            );
        });

        it('NOT_FOUND for the lifecycle of a file shared without a plan, which signs as before', async () => {
            const file = await shareFile(ledger, 'alice', 'plain', credentials('plain'));
            for (const [who, transaction, args] of [
                ['alice', 'GetContract', ['plain']],
                ['alice', 'VoidContract', ['plain', 'x']],
                ['bob', 'DeclineContract', ['plain', 'x']],
                ['bob', 'ExpireContract', ['plain']],
            ] as const) {
                await expect(ledger.submit(who, transaction, ...args)).rejects.toThrow(
                    refused('NOT_FOUND', 'file plain has no contract'),
                );
            }
            const { statement, signature } = signArgs('carol', file, null);
            const { txId } = await ledger.submit('carol', 'SignContract', 'plain', statement, signature);
            expect(JSON.parse(defined(ledger.events.at(-1), 'the event').payload)).toEqual({
                schema: 'sealpact/event/contract-signed/v1',
                fileId: 'plain',
                signer: PARTY.carol,
                txId,
                at: expect.any(String),
            });
        });
    });

    describe('deadline and expiry', () => {
        it('after the deadline nobody signs; reads say expired until ExpireContract records it', async () => {
            const deadline = inAnHour();
            const { file, contract } = await share('c1', [['bob'], ['carol']], deadline);
            await expect(ledger.submit('bob', 'ExpireContract', 'c1')).rejects.toThrow(
                refused('WRONG_STATE', `the deadline ${deadline} of the contract on c1 has not passed`),
            );
            await sign('bob', file, contract);
            ledger.advanceClock(HOUR);
            expect(ledger.nextTimestamp().toISOString() >= deadline).toBe(true);

            await expect(sign('carol', file, contract)).rejects.toThrow(
                refused('DEADLINE_PASSED', `the deadline ${deadline} of the contract on c1 has passed`),
            );
            await expect(ledger.submit('carol', 'DeclineContract', 'c1', 'late')).rejects.toThrow(
                refused('DEADLINE_PASSED', 'has passed'),
            );
            await expect(ledger.submit('alice', 'VoidContract', 'c1', 'late')).rejects.toThrow(
                refused('DEADLINE_PASSED', 'has passed'),
            );
            const view = await contractOf('carol', 'c1');
            expect(view).toMatchObject({ state: 'expired', expiredUnrecorded: true, closedAt: null, currentStep: 1 });
            const [awaiting] = (await evaluateJson(ledger, 'carol', 'ListAwaiting', '10', '')).items;
            expect(awaiting).toMatchObject({ fileId: 'c1', state: 'expired', step: 1, deadline });
            // Listed under its recorded state until the expiry is recorded.
            expect((await evaluateJson(ledger, 'alice', 'ListStarted', 'open', '10', '')).items).toEqual([
                expect.objectContaining({ fileId: 'c1', state: 'expired' }),
            ]);
            expect((await evaluateJson(ledger, 'alice', 'ListStarted', 'expired', '10', '')).items).toEqual([]);

            await registerKeys(ledger, 'org2Admin', keysOf('spare', 'rsa'));
            await expect(ledger.submit('org2Admin', 'ExpireContract', 'c1')).rejects.toThrow(
                refused(
                    'ACCESS_DENIED',
                    'Org2MSP/Admin@org2.example.com may not record the expiry of the contract on c1',
                ),
            );
            const at = ledger.nextTimestamp().toISOString();
            const expired = await submitJson(ledger, 'dave', 'ExpireContract', 'c1');
            const txId = defined(ledger.committed.at(-1), 'the expiry').txId;
            expect(expired).toMatchObject({
                state: 'expired',
                currentStep: null,
                closedAt: at,
                closedBy: PARTY.dave,
                closedTxId: txId,
                reason: null,
            });
            expect(eventOf(txId)).toEqual({
                name: 'ContractExpired',
                payload: {
                    schema: 'sealpact/event/contract/v1',
                    fileId: 'c1',
                    owner: PARTY.alice,
                    action: 'expired',
                    by: PARTY.dave,
                    state: 'expired',
                    step: null,
                    turn: [],
                    concerned: ids('alice', 'bob', 'carol').sort(),
                    reason: null,
                    txId,
                    at,
                },
            });
            expect(await contractOf('carol', 'c1')).toMatchObject({ state: 'expired', expiredUnrecorded: false });
            expect((await evaluateJson(ledger, 'carol', 'ListAwaiting', '10', '')).items).toEqual([]);
            expect((await evaluateJson(ledger, 'alice', 'ListStarted', 'expired', '10', '')).items).toEqual([
                expect.objectContaining({ fileId: 'c1', state: 'expired', since: at, txId }),
            ]);
            await expect(ledger.submit('alice', 'ExpireContract', 'c1')).rejects.toThrow(
                refused('CONTRACT_CLOSED', 'the contract on c1 is expired'),
            );
            await expect(sign('carol', file, contract)).rejects.toThrow(refused('CONTRACT_CLOSED', 'is expired'));
        });

        it('judges and stamps by the record time: a slow signer is stamped after the contract, a fast one past the deadline is refused', async () => {
            const MINUTE = 60_000;
            const deadline = new Date(ledger.nextTimestamp().getTime() + 10 * MINUTE).toISOString();
            const { file, contract } = await share('c1', [['bob'], ['carol']], deadline);
            const bob = await sign('bob', file, contract);
            const signedByBob = await contractOf('alice', 'c1');
            const slow = signatureArgs(file, PARTY.carol, keys.carol.signing, contract);
            await ledger
                .clientClockOff(-4 * MINUTE)
                .submit('carol', 'SignContract', 'c1', slow.statement, slow.signature);
            const completed = await contractOf('alice', 'c1');
            expect(completed.steps[1]?.signers[0]?.at).toBe(signedByBob.updatedAt);
            expect(completed.closedAt).toBe(signedByBob.updatedAt);
            expect(bob.txId).toBe(signedByBob.updatedTxId);

            const late = await share('c2', [['bob']], deadline);
            // The peer clock five seconds before the deadline.
            ledger.advanceClock(Date.parse(deadline) - 5000 - ledger.nextTimestamp().getTime());
            const fast = signatureArgs(late.file, PARTY.bob, keys.bob.signing, late.contract);
            await expect(
                ledger.clientClockOff(4 * MINUTE).submit('bob', 'SignContract', 'c2', fast.statement, fast.signature),
            ).rejects.toThrow(refused('DEADLINE_PASSED', `the deadline ${deadline} of the contract on c2 has passed`));
            await ledger.submit('bob', 'SignContract', 'c2', fast.statement, fast.signature);
            expect((await contractOf('alice', 'c2')).state).toBe('completed');
        });

        it('a contract without a deadline never expires', async () => {
            await share('c1', [['bob']]);
            ledger.advanceClock(100 * 365 * 24 * HOUR);
            await expect(ledger.submit('alice', 'ExpireContract', 'c1')).rejects.toThrow(
                refused('WRONG_STATE', 'the contract on c1 has no deadline'),
            );
            expect((await contractOf('alice', 'c1')).state).toBe('open');
        });
    });

    describe('queries', () => {
        it('GetContract: to the owner, active recipients and auditors only', async () => {
            await share('c1', [['bob']], null, ['alice', 'bob', 'carol']);
            await expect(contractOf('dave', 'c1')).rejects.toThrow(
                refused('ACCESS_DENIED', `${PARTY.dave} may not see file c1`),
            );
            await ledger.submit('alice', 'RevokeAccess', 'c1', PARTY.carol);
            await expect(contractOf('carol', 'c1')).rejects.toThrow(refused('ACCESS_DENIED', 'may not see file c1'));
            await expect(contractOf('alice', 'nope')).rejects.toThrow(refused('NOT_FOUND', 'no file nope'));
        });

        it('ListAwaiting and ListStarted page through their entries and ListStarted filters by state', async () => {
            for (const fileId of ['k1', 'k2', 'k3', 'k4', 'k5']) {
                await share(fileId, [['bob']]);
            }
            await submitJson(ledger, 'alice', 'VoidContract', 'k2', 'wrong amount');
            await submitJson(ledger, 'bob', 'DeclineContract', 'k4', 'no');
            const pages = async (
                list: (bookmark: string) => Promise<{ items: { fileId: string }[]; bookmark: string }>,
            ) => {
                const seen: string[][] = [];
                let bookmark = '';
                do {
                    const page = await list(bookmark);
                    seen.push(page.items.map((item) => item.fileId));
                    bookmark = page.bookmark;
                } while (bookmark !== '');
                return seen;
            };
            expect(await pages((b) => evaluateJson(ledger, 'bob', 'ListAwaiting', '2', b))).toEqual([
                ['k1', 'k3'],
                ['k5'],
            ]);
            // By recorded state, then creation time.
            expect(await pages((b) => evaluateJson(ledger, 'alice', 'ListStarted', '', '2', b))).toEqual([
                ['k4', 'k1'],
                ['k3', 'k5'],
                ['k2'],
            ]);
            expect(await pages((b) => evaluateJson(ledger, 'alice', 'ListStarted', 'open', '2', b))).toEqual([
                ['k1', 'k3'],
                ['k5'],
            ]);
            expect(await pages((b) => evaluateJson(ledger, 'alice', 'ListStarted', 'voided', '2', b))).toEqual([
                ['k2'],
            ]);
            expect((await evaluateJson(ledger, 'bob', 'ListStarted', '', '10', '')).items).toEqual([]);

            await expect(ledger.evaluate('alice', 'ListStarted', 'closed', '2', '')).rejects.toThrow(
                refused('BAD_ARGUMENT', 'state must be "" or one of open, completed, declined, voided, expired'),
            );
            const { bookmark } = await evaluateJson(ledger, 'alice', 'ListStarted', '', '1', '');
            await expect(ledger.evaluate('alice', 'ListStarted', 'voided', '2', bookmark)).rejects.toThrow(
                refused('BAD_ARGUMENT', 'the bookmark does not come from this list'),
            );
            await expect(ledger.evaluate('bob', 'ListAwaiting', '2', bookmark)).rejects.toThrow(
                refused('BAD_ARGUMENT', 'the bookmark does not come from this list'),
            );
            await expect(ledger.evaluate('bob', 'ListAwaiting', '0', '')).rejects.toThrow(
                refused('BAD_ARGUMENT', 'page size must be'),
            );
        });

        it("GetHistory kind contract: every version of a contract's record, for auditors", async () => {
            const { file, contract } = await share('c1', [['bob']]);
            await sign('bob', file, contract);
            const history = await evaluateJson(ledger, 'auditor', 'GetHistory', 'contract', 'c1', '', '10', '');
            expect(history.items.map((entry) => entry.value?.state)).toEqual(['completed', 'open']);
        });

        it('GetFileStory names the share, signatures and the decline, void or expiry with who did it', async () => {
            const txOf = (transaction: string, nth = 0) =>
                ledger.committed.filter((tx) => tx.transaction === transaction)[nth]?.txId;
            const a = await share('a', [['bob'], ['carol']]);
            await sign('bob', a.file, a.contract);
            await submitJson(ledger, 'carol', 'DeclineContract', 'a', 'no');
            await share('b', [['bob']]);
            await submitJson(ledger, 'alice', 'VoidContract', 'b', 'void');
            await share('c', [['bob']], inAnHour());
            ledger.advanceClock(HOUR);
            await submitJson(ledger, 'bob', 'ExpireContract', 'c');

            const roles = async (fileId: string) =>
                (await evaluateJson(ledger, 'alice', 'GetFileStory', fileId)).transactions
                    .filter((entry) => !['register-keys', 'verification'].includes(entry.role))
                    .map(({ txId, role, party }) => [txId, role, party]);
            expect(await roles('a')).toEqual([
                ...ids(...EVERYONE)
                    .sort()
                    .map((party) => [txOf('ShareContract', 0), 'share', party]),
                [txOf('SignContract', 0), 'sign', PARTY.bob],
                [txOf('DeclineContract', 0), 'decline', PARTY.carol],
            ]);
            expect((await roles('b')).slice(-1)).toEqual([[txOf('VoidContract', 0), 'void', PARTY.alice]]);
            expect((await roles('c')).slice(-1)).toEqual([[txOf('ExpireContract', 0), 'expire', PARTY.bob]]);
        });
    });
});
