import { createHash } from 'node:crypto';
import { canonicalJson } from './json';
import { planDocument, planHash, planOf, signingPlace } from './plan';
import { ContractRecord } from './records';

const FIELDS = {
    fileId: 'contract-2026-001',
    owner: 'Org1MSP/alice@org1.example.com',
    steps: [['Org2MSP/bob@org2.example.com'], ['Org2MSP/carol@org2.example.com', 'Org1MSP/alice@org1.example.com']],
    deadline: '2026-12-31T23:59:59.000Z',
};

describe('plan hash', () => {
    it('is the SHA-256 of the canonical plan document, as docs/ledger.md spells it', () => {
        const document =
            '{"deadline":"2026-12-31T23:59:59.000Z","fileId":"contract-2026-001","owner":"Org1MSP/alice@org1.example.com",' +
            '"schema":"sealpact/plan/v1","steps":[["Org2MSP/bob@org2.example.com"],' +
            '["Org2MSP/carol@org2.example.com","Org1MSP/alice@org1.example.com"]]}';
        expect(canonicalJson(planDocument(FIELDS))).toBe(document);
        expect(planHash(FIELDS)).toBe(createHash('sha256').update(document).digest('hex'));
    });

    it('changes with the order of the steps, the order within a step, the deadline, the owner and the file', () => {
        const hashes = [
            FIELDS,
            { ...FIELDS, steps: [...FIELDS.steps].reverse() },
            { ...FIELDS, steps: FIELDS.steps.map((step) => [...step].reverse()) },
            { ...FIELDS, deadline: null },
            { ...FIELDS, owner: 'Org1MSP/dave@org1.example.com' },
            { ...FIELDS, fileId: 'contract-2026-002' },
        ].map(planHash);
        expect(new Set(hashes).size).toBe(hashes.length);
    });

    it("is recomputed from a contract record's plan", () => {
        const signer = (partyId: string) => ({ partyId, state: 'waiting' as const, at: null, txId: null });
        const contract = {
            fileId: FIELDS.fileId,
            owner: FIELDS.owner,
            deadline: FIELDS.deadline,
            steps: FIELDS.steps.map((step) => ({ signers: step.map(signer) })),
        } as Partial<ContractRecord> as ContractRecord;
        expect(planOf(contract)).toEqual(FIELDS);
    });
});

describe('signing place', () => {
    it("names the contract's plan hash and the signer's 1-based step, and nothing for a non-signer or no contract", () => {
        const signer = (partyId: string) => ({ partyId, state: 'waiting' as const, at: null, txId: null });
        const contract = {
            planHash: 'ab12',
            steps: FIELDS.steps.map((step) => ({ signers: step.map(signer) })),
        } as Partial<ContractRecord> as ContractRecord;
        expect(signingPlace(contract, 'Org2MSP/bob@org2.example.com')).toEqual({ contractPlan: 'ab12', step: 1 });
        expect(signingPlace(contract, 'Org1MSP/alice@org1.example.com')).toEqual({ contractPlan: 'ab12', step: 2 });
        expect(signingPlace(contract, 'Org1MSP/dave@org1.example.com')).toEqual({ contractPlan: null, step: null });
        expect(signingPlace(undefined, 'Org2MSP/bob@org2.example.com')).toEqual({ contractPlan: null, step: null });
    });
});
