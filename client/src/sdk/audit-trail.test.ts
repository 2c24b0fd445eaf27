import {
    AuditEntry,
    auditTrail,
    ContractRecord,
    CredentialRecord,
    FileRecord,
    HistoryEntry,
    SignatureRecordV1,
    SignatureRecordV2,
    SignatureRecordV3,
} from '@sealpact/protocol';
import { standardParties } from '../test-support/stub-parties';

const OWNER = 'Org1MSP/alice@org1.example.com';
const BOB = 'Org2MSP/bob@org2.example.com';
const CAROL = 'Org2MSP/carol@org2.example.com';
const tx = (n: number) => String(n).repeat(64).slice(0, 64);
const at = (second: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();

const FILE: FileRecord = {
    schema: 'sealpact/file/v1',
    fileId: 'f-1',
    owner: OWNER,
    suite: 'gm',
    digestAlgorithm: 'sm3',
    ciphertextDigest: 'c'.repeat(64),
    size: 1000,
    locator: `fs:sm3/${'c'.repeat(64)}`,
    recipients: [BOB, CAROL],
    createdAt: at(1),
    createdTxId: tx(1),
    updatedAt: at(5),
    updatedTxId: tx(5),
};

/** A credential version as GetHistory returns it (envelope left out). */
function version(
    partyId: string,
    n: number,
    changes: Partial<CredentialRecord> & Pick<CredentialRecord, 'version' | 'status'>,
): HistoryEntry {
    const value: Omit<CredentialRecord, 'envelope'> = {
        schema: 'sealpact/credential/v1',
        fileId: FILE.fileId,
        partyId,
        keyFingerprint: 'k'.repeat(64),
        algorithm: 'sm2',
        grantedBy: OWNER,
        grantedAt: at(n),
        grantedTxId: tx(n),
        revokedAt: null,
        revokedTxId: null,
        ...changes,
    };
    return { txId: tx(n), timestamp: at(n), isDelete: false, value };
}

const signatureBase = {
    fileId: FILE.fileId,
    signer: BOB,
    statement: 'statement',
    signature: 'c2lnbmF0dXJl',
    algorithm: 'sm2' as const,
    keyFingerprint: 's'.repeat(64),
    digestAlgorithm: 'sm3' as const,
};

describe('auditTrail, a pure function of the ledger records', () => {
    it('turns credential versions and signatures into shared, granted, revoked and signed steps, oldest first', () => {
        const v2: SignatureRecordV2 = {
            ...signatureBase,
            schema: 'sealpact/signature/v2',
            plaintextCommitment: 'a'.repeat(64),
            signedAt: at(3),
            txId: tx(3),
        };
        const trail = auditTrail({
            file: FILE,
            credentialHistory: {
                // Newest first, as GetHistory gives them.
                [OWNER]: [version(OWNER, 1, { version: 1, status: 'active' })],
                [BOB]: [
                    version(BOB, 5, { version: 2, status: 'active' }),
                    version(BOB, 4, { version: 1, status: 'revoked', revokedAt: at(4), revokedTxId: tx(4) }),
                    version(BOB, 1, { version: 1, status: 'active' }),
                ],
                [CAROL]: [version(CAROL, 2, { version: 1, status: 'active', algorithm: 'rsa' })],
            },
            signatures: [v2],
            contractHistory: [],
        });
        const credential = (alg: string, n: number) => `${alg} credential v${n} for key ${'k'.repeat(64)}`;
        expect(trail).toEqual<AuditEntry[]>([
            { at: at(1), txId: tx(1), action: 'shared', by: OWNER, party: OWNER, detail: credential('SM2', 1) },
            { at: at(1), txId: tx(1), action: 'shared', by: OWNER, party: BOB, detail: credential('SM2', 1) },
            { at: at(2), txId: tx(2), action: 'granted', by: OWNER, party: CAROL, detail: credential('RSA', 1) },
            {
                at: at(3),
                txId: tx(3),
                action: 'signed',
                by: BOB,
                party: BOB,
                detail: `SM2 signature over hmac-sm3:${'a'.repeat(64)}`,
            },
            { at: at(4), txId: tx(4), action: 'revoked', by: OWNER, party: BOB, detail: 'credential revoked' },
            { at: at(5), txId: tx(5), action: 'granted', by: OWNER, party: BOB, detail: credential('SM2', 2) },
        ]);
    });

    it('names the HMAC of a file digested with sm3-tree by its hash, hmac-sm3', () => {
        const signed: SignatureRecordV2 = {
            ...signatureBase,
            digestAlgorithm: 'sm3-tree',
            schema: 'sealpact/signature/v2',
            plaintextCommitment: 'b'.repeat(64),
            signedAt: at(3),
            txId: tx(3),
        };
        const trail = auditTrail({ file: FILE, credentialHistory: {}, signatures: [signed], contractHistory: [] });
        expect(trail.map((entry) => entry.detail)).toEqual([`SM2 signature over hmac-sm3:${'b'.repeat(64)}`]);
    });

    it('a rewrite that changes neither status nor version, a second revocation and a delete are no steps', () => {
        const trail = auditTrail({
            file: { ...FILE, recipients: [BOB] },
            credentialHistory: {
                [BOB]: [
                    { txId: tx(5), timestamp: at(5), isDelete: true, value: null },
                    version(BOB, 4, { version: 1, status: 'revoked', revokedTxId: tx(3) }),
                    version(BOB, 3, { version: 1, status: 'revoked', revokedTxId: tx(3) }),
                    version(BOB, 2, { version: 1, status: 'active', keyFingerprint: 'e'.repeat(64) }),
                    version(BOB, 1, { version: 1, status: 'active' }),
                ],
            },
            signatures: [],
            contractHistory: [],
        });
        expect(trail.map((entry) => [entry.action, entry.txId])).toEqual([
            ['shared', tx(1)],
            ['revoked', tx(3)],
        ]);
    });

    it('names what a v1 signature signed: the plain digest; ties in time are ordered by action', () => {
        const v1: SignatureRecordV1 = {
            ...signatureBase,
            schema: 'sealpact/signature/v1',
            plaintextDigest: 'd'.repeat(64),
            signedAt: at(1),
            txId: tx(9),
        };
        const trail = auditTrail({
            file: { ...FILE, recipients: [] },
            credentialHistory: { [OWNER]: [version(OWNER, 1, { version: 1, status: 'active' })] },
            signatures: [v1],
            contractHistory: [],
        });
        expect(trail.map((entry) => [entry.action, entry.detail])).toEqual([
            ['shared', `SM2 credential v1 for key ${'k'.repeat(64)}`],
            ['signed', `SM2 signature over sm3:${'d'.repeat(64)}`],
        ]);
    });
});

/** A version of the contract on FILE as GetHistory returns it. */
function contractVersion(n: number, changes: Partial<ContractRecord>): HistoryEntry {
    const value: ContractRecord = {
        schema: 'sealpact/contract/v1',
        fileId: FILE.fileId,
        owner: OWNER,
        planHash: 'p'.repeat(64),
        steps: [
            { signers: [{ partyId: BOB, state: 'awaiting', at: at(1), txId: tx(1) }] },
            { signers: [{ partyId: CAROL, state: 'waiting', at: null, txId: null }] },
        ],
        deadline: '2030-01-01T00:00:00.000Z',
        state: 'open',
        currentStep: 0,
        createdAt: at(1),
        createdTxId: tx(1),
        closedAt: null,
        closedTxId: null,
        closedBy: null,
        reason: null,
        updatedAt: at(n),
        updatedTxId: tx(n),
        ...changes,
    };
    return { txId: tx(n), timestamp: at(n), isDelete: false, value };
}

const closedAt = (n: number, by: string) => ({ closedAt: at(n), closedTxId: tx(n), closedBy: by, currentStep: null });

describe('auditTrail of a contract', () => {
    const sharing = {
        file: { ...FILE, recipients: [BOB, CAROL] },
        credentialHistory: {
            [OWNER]: [version(OWNER, 1, { version: 1, status: 'active' })],
            [BOB]: [version(BOB, 1, { version: 1, status: 'active' })],
            [CAROL]: [version(CAROL, 1, { version: 1, status: 'active' })],
        },
    };
    const v3 = (signer: string, n: number, step: number): SignatureRecordV3 => ({
        ...signatureBase,
        schema: 'sealpact/signature/v3',
        signer,
        plaintextCommitment: 'a'.repeat(64),
        planHash: 'p'.repeat(64),
        step,
        signedAt: at(n),
        txId: tx(n),
    });

    it('the last signature completes it: signed, then completed, in the same transaction', () => {
        const trail = auditTrail({
            ...sharing,
            signatures: [v3(BOB, 2, 1), v3(CAROL, 3, 2)],
            contractHistory: [
                contractVersion(3, { state: 'completed', ...closedAt(3, CAROL) }),
                contractVersion(2, { currentStep: 1 }),
                contractVersion(1, {}),
            ],
        });
        expect(trail.slice(3).map((e) => [e.action, e.by, e.party, e.txId, e.detail])).toEqual([
            ['signed', BOB, BOB, tx(2), `SM2 signature over hmac-sm3:${'a'.repeat(64)} (step 1)`],
            ['signed', CAROL, CAROL, tx(3), `SM2 signature over hmac-sm3:${'a'.repeat(64)} (step 2)`],
            ['completed', CAROL, CAROL, tx(3), 'contract completed: all 2 signers of 2 step(s) signed'],
        ]);
    });

    it.each<[string, Partial<ContractRecord>, string]>([
        [
            'declined',
            { state: 'declined', reason: 'wrong price', ...closedAt(4, BOB) },
            'contract declined: wrong price',
        ],
        ['voided', { state: 'voided', reason: 'superseded', ...closedAt(4, OWNER) }, 'contract voided: superseded'],
        [
            'expired',
            { state: 'expired', ...closedAt(4, CAROL) },
            'contract expired: its deadline 2030-01-01T00:00:00.000Z passed',
        ],
    ])('%s: one step naming who closed it and why', (action, closing, detail) => {
        const trail = auditTrail({
            ...sharing,
            signatures: [],
            contractHistory: [contractVersion(4, closing), contractVersion(1, {})],
        });
        const by = closing.closedBy ?? '';
        expect(trail.at(-1)).toEqual<AuditEntry>({
            at: at(4),
            txId: tx(4),
            action: action as AuditEntry['action'],
            by,
            party: by,
            detail,
        });
        expect(trail).toHaveLength(4);
    });

    it('an open contract, or one whose expiry is not recorded, has no closing step', () => {
        const trail = auditTrail({ ...sharing, signatures: [], contractHistory: [contractVersion(1, {})] });
        expect(trail.map((entry) => entry.action)).toEqual(['shared', 'shared', 'shared']);
    });
});

describe('audit on the ledger', () => {
    it("reads the chaincode's history into the trail of a share, a grant, a revocation and a signature", async () => {
        const { parties, alice, bob, ids } = await standardParties();
        try {
            const auditor = await parties.as('auditor');
            const path = parties.contract('audited.txt', 1000);
            const sent = await alice.send(path, { to: [ids.bob], suite: 'gm', fileId: 'f-audited' });
            const granted = await alice.grant('f-audited', [ids.dave]);
            const revoked = await alice.revoke('f-audited', ids.dave);
            const signed = await bob.sign('f-audited', path);

            const { file, trail } = await auditor.audit('f-audited');
            expect(file.createdTxId).toBe(sent.txId);
            expect(trail.map((entry) => [entry.action, entry.by, entry.party, entry.txId])).toEqual([
                ['shared', ids.alice, ids.alice, sent.txId],
                ['shared', ids.alice, ids.bob, sent.txId],
                ['granted', ids.alice, ids.dave, granted.txId],
                ['revoked', ids.alice, ids.dave, revoked.txId],
                ['signed', ids.bob, ids.bob, signed.txId],
            ]);
        } finally {
            parties.remove();
        }
    });

    it("a contract's signatures name their step, and how it closed ends the trail", async () => {
        const { parties, alice, bob, dave, ids } = await standardParties();
        try {
            const auditor = await parties.as('auditor');
            const path = parties.contract('audited-contract.txt', 1000);
            const signers = [[ids.bob], [ids.dave]];
            const sent = await alice.send(path, { to: [ids.bob, ids.dave], suite: 'gm', fileId: 'f-ac', signers });
            const first = await bob.sign('f-ac', path);
            const last = await dave.sign('f-ac', path);
            await alice.send(path, { to: [ids.bob], suite: 'gm', fileId: 'f-ad', signers: [[ids.bob]] });
            const declined = await bob.decline('f-ad', 'the annex is missing');

            const { trail } = await auditor.audit('f-ac');
            expect(trail.map((entry) => [entry.action, entry.party, entry.txId])).toEqual([
                ['shared', ids.alice, sent.txId],
                ['shared', ids.dave, sent.txId],
                ['shared', ids.bob, sent.txId],
                ['signed', ids.bob, first.txId],
                ['signed', ids.dave, last.txId],
                ['completed', ids.dave, last.txId],
            ]);
            expect(trail[4]?.detail).toMatch(/ \(step 2\)$/);
            expect((await auditor.audit('f-ad')).trail.at(-1)).toMatchObject<Partial<AuditEntry>>({
                action: 'declined',
                by: ids.bob,
                txId: declined.txId,
                detail: 'contract declined: the annex is missing',
            });
        } finally {
            parties.remove();
        }
    });
});
