import { CredentialRecord, FileRecord, SignatureRecordV1, SignatureRecordV2 } from '@sealpact/protocol';
import { standardParties } from '../test-support/stub-parties';
import { AuditEntry, auditTrail, HistoryEntry } from './audit-trail';

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
        });
        expect(trail.map((entry) => [entry.action, entry.detail])).toEqual([
            ['shared', `SM2 credential v1 for key ${'k'.repeat(64)}`],
            ['signed', `SM2 signature over sm3:${'d'.repeat(64)}`],
        ]);
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
});
