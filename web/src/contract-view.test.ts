import { ContractView, PlanSigner, SignerState } from '@sealpact/protocol';
import { describeContract, describePlan, planSigners } from './contract-view';

const BOB = 'Org2MSP/bob@org2.example.com';
const CAROL = 'Org2MSP/carol@org2.example.com';

function signer(partyId: string, state: SignerState): PlanSigner {
    return { partyId, state, at: state === 'waiting' ? null : '2026-12-01T10:00:00.000Z', txId: null };
}

function contract(fields: Partial<ContractView>, states: [SignerState, SignerState]): ContractView {
    return {
        schema: 'sealpact/contract/v1',
        fileId: 'f-1',
        owner: 'Org1MSP/alice@org1.example.com',
        planHash: '00',
        steps: [{ signers: [signer(BOB, states[0])] }, { signers: [signer(CAROL, states[1])] }],
        deadline: '2026-12-31T23:59:00.000Z',
        state: 'open',
        currentStep: 0,
        createdAt: '2026-12-01T09:00:00.000Z',
        createdTxId: 'tx',
        closedAt: null,
        closedTxId: null,
        closedBy: null,
        reason: null,
        updatedAt: '2026-12-01T09:00:00.000Z',
        updatedTxId: 'tx',
        expiredUnrecorded: false,
        ...fields,
    };
}

describe('the Send screen’s plan', () => {
    it('makes one step per recipient in the order picked, one step for any order, none for a plain file', () => {
        expect(planSigners('in-order', [CAROL, BOB])).toEqual([[CAROL], [BOB]]);
        expect(planSigners('any-order', [CAROL, BOB])).toEqual([[CAROL, BOB]]);
        expect(planSigners('none', [CAROL, BOB])).toBeUndefined();
    });

    it('says the plan in words, with its deadline', () => {
        expect(describePlan([[BOB], [CAROL]], new Date('2026-12-31T23:59:00Z'))).toBe(
            `Signing plan: 1. ${BOB} → 2. ${CAROL}; deadline 2026-12-31T23:59:00.000Z (at most 10 steps).`,
        );
        expect(describePlan([[BOB, CAROL]])).toBe(
            `Signing plan: 1. ${BOB} + ${CAROL}; no deadline (at most 10 steps).`,
        );
        expect(describePlan([])).toBe('Pick the signers.');
        expect(describePlan(undefined)).toBe('No signing plan: a plain file, which any recipient may sign.');
    });
});

describe('a contract in words', () => {
    it('names who signed and whose turn it is while open', () => {
        expect(describeContract(contract({ currentStep: 1 }, ['signed', 'awaiting']))).toBe(
            `Contract open; signed by ${BOB}; next: ${CAROL}; deadline 2026-12-31T23:59:00.000Z`,
        );
        expect(describeContract(contract({ deadline: null }, ['awaiting', 'waiting']))).toBe(
            `Contract open; signed by nobody yet; next: ${BOB}; no deadline`,
        );
    });

    it('names who declined and why, and a completion', () => {
        const declined = contract({ state: 'declined', closedBy: BOB, reason: 'wrong price', currentStep: null }, [
            'declined',
            'waiting',
        ]);
        expect(describeContract(declined)).toBe(
            `Contract declined; signed by nobody yet; declined by ${BOB}: wrong price; deadline 2026-12-31T23:59:00.000Z`,
        );
        const completed = contract({ state: 'completed', closedBy: CAROL, currentStep: null }, ['signed', 'signed']);
        expect(describeContract(completed)).toBe(
            `Contract completed; signed by ${BOB}, ${CAROL}; deadline 2026-12-31T23:59:00.000Z`,
        );
    });

    it('says when an expiry is not recorded yet', () => {
        expect(describeContract(contract({ state: 'expired', expiredUnrecorded: true }, ['awaiting', 'waiting']))).toBe(
            'Contract expired; signed by nobody yet; the expiry is not recorded yet; deadline 2026-12-31T23:59:00.000Z',
        );
    });
});
