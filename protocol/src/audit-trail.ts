import { allPages, Queries } from './paging';
import { ContractRecord, CredentialRecord, FileRecord, SignatureRecord } from './records';
import { hashOf } from './suites';

/** What each step of a trail does, in the order steps recorded at the same time are listed. */
const ACTIONS = ['shared', 'granted', 'revoked', 'signed', 'completed', 'declined', 'voided', 'expired'] as const;

/** One step of a file's audit trail. */
export interface AuditEntry {
    at: string;
    txId: string;
    /** A credential's share, grant or revocation, a signature, or how the file's contract closed. */
    action: (typeof ACTIONS)[number];
    /** Who did it. */
    by: string;
    /** Whom it concerns (the recipient of a credential, the signer of a signature, who closed the contract). */
    party: string;
    detail: string;
}

/** One committed version of a record, as GetHistory returns it. */
export interface HistoryEntry {
    txId: string;
    timestamp: string;
    isDelete: boolean;
    value: unknown;
}

/** What a file's trail is made of, as the ledger keeps it. */
export interface AuditRecords {
    file: FileRecord;
    /** The credential history of each party of the file (owner and recipients), newest first as GetHistory gives it. */
    credentialHistory: Record<string, HistoryEntry[]>;
    signatures: SignatureRecord[];
    /** The history of the file's contract record, newest first; empty for a file without a plan. */
    contractHistory: HistoryEntry[];
}

/** Auditors: read a file's record, its parties' credential histories, its signatures and its contract's history. */
export async function readAuditRecords(ledger: Queries, fileId: string): Promise<AuditRecords> {
    const file = await ledger.query<FileRecord>('GetFile', fileId);
    const credentialHistory: Record<string, HistoryEntry[]> = {};
    for (const party of [file.owner, ...file.recipients]) {
        credentialHistory[party] = await allPages<HistoryEntry>(ledger, 'GetHistory', 'credential', fileId, party);
    }
    const signatures = await ledger.query<SignatureRecord[]>('GetSignatures', fileId);
    const contractHistory = await allPages<HistoryEntry>(ledger, 'GetHistory', 'contract', fileId, '');
    return { file, credentialHistory, signatures, contractHistory };
}

/**
 * The audit step: a file's whole trail from its records — the share, every grant and revocation
 * of a credential, every signature, and how its contract closed — with parties, times and
 * transaction ids, oldest first. A credential version is a step when it turns revoked, or active
 * under a new version (shared when the file's creating transaction wrote it, else granted). A
 * contract version is a step when it leaves `open`: completed (by the last signature), declined,
 * voided or expired (an expiry counts once recorded).
 */
export function auditTrail({ file, credentialHistory, signatures, contractHistory }: AuditRecords): AuditEntry[] {
    const trail = [
        ...credentialSteps(file, credentialHistory),
        ...signatureSteps(signatures),
        ...contractSteps(contractHistory),
    ];
    return trail.sort((a, b) => a.at.localeCompare(b.at) || ACTIONS.indexOf(a.action) - ACTIONS.indexOf(b.action));
}

/** The credential versions that are steps: each turning revoked, or active under a new version. */
function credentialSteps(file: FileRecord, credentialHistory: Record<string, HistoryEntry[]>): AuditEntry[] {
    const trail: AuditEntry[] = [];
    for (const party of [file.owner, ...file.recipients]) {
        let previous: CredentialRecord | undefined;
        for (const { txId, timestamp, value } of [...(credentialHistory[party] ?? [])].reverse()) {
            const credential = value as CredentialRecord | null;
            if (credential === null) continue;
            if (credential.status === 'revoked' && previous?.status !== 'revoked') {
                trail.push({
                    at: timestamp,
                    txId,
                    action: 'revoked',
                    by: file.owner,
                    party,
                    detail: 'credential revoked',
                });
            } else if (credential.status === 'active' && credential.version !== previous?.version) {
                const action = txId === file.createdTxId ? 'shared' : 'granted';
                const detail = `${credential.algorithm.toUpperCase()} credential v${credential.version} for key ${credential.keyFingerprint}`;
                trail.push({ at: timestamp, txId, action, by: credential.grantedBy, party, detail });
            }
            previous = credential;
        }
    }
    return trail;
}

function signatureSteps(signatures: SignatureRecord[]): AuditEntry[] {
    return signatures.map((signature) => {
        // v2 and later commit with a keyed HMAC; v1 stated a plain digest.
        const over =
            signature.schema === 'sealpact/signature/v1'
                ? `${signature.digestAlgorithm}:${signature.plaintextDigest}`
                : `hmac-${hashOf(signature.digestAlgorithm)}:${signature.plaintextCommitment}`; // sm3-tree files: HMAC-SM3
        const step =
            signature.schema === 'sealpact/signature/v3' && signature.step !== null ? ` (step ${signature.step})` : '';
        const detail = `${signature.algorithm.toUpperCase()} signature over ${over}${step}`;
        return {
            at: signature.signedAt,
            txId: signature.txId,
            action: 'signed',
            by: signature.signer,
            party: signature.signer,
            detail,
        };
    });
}

/** The step at which the contract left `open`, from its history (newest first, as GetHistory gives it). */
function contractSteps(history: HistoryEntry[]): AuditEntry[] {
    const steps: AuditEntry[] = [];
    let previous: ContractRecord | undefined;
    for (const { value } of [...history].reverse()) {
        const contract = value as ContractRecord | null;
        if (contract === null) continue;
        if (contract.state !== 'open' && contract.state !== previous?.state) {
            const by = contract.closedBy ?? contract.owner;
            steps.push({
                at: contract.closedAt ?? contract.updatedAt,
                txId: contract.closedTxId ?? contract.updatedTxId,
                action: contract.state,
                by,
                party: by,
                detail: closingDetail(contract),
            });
        }
        previous = contract;
    }
    return steps;
}

function closingDetail(contract: ContractRecord): string {
    const signers = contract.steps.reduce((count, step) => count + step.signers.length, 0);
    switch (contract.state) {
        case 'completed':
            return `contract completed: all ${signers} signers of ${contract.steps.length} step(s) signed`;
        case 'expired':
            return `contract expired: its deadline ${contract.deadline ?? ''} passed`;
        default:
            return `contract ${contract.state}: ${contract.reason ?? ''}`;
    }
}
