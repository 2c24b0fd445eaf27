import { CredentialRecord, FileRecord, SignatureRecord } from '@sealpact/protocol';
import { Ledger } from './ledger';
import { allPages } from './paging';

/** One step of a file's audit trail. */
export interface AuditEntry {
    at: string;
    txId: string;
    action: 'shared' | 'granted' | 'revoked' | 'signed';
    /** Who did it. */
    by: string;
    /** Whom it concerns (the recipient of a credential, the signer of a signature). */
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
}

/** Auditors: read a file's record, its parties' credential histories and its signatures. */
export async function readAuditRecords(ledger: Ledger, fileId: string): Promise<AuditRecords> {
    const file = await ledger.query<FileRecord>('GetFile', fileId);
    const credentialHistory: Record<string, HistoryEntry[]> = {};
    for (const party of [file.owner, ...file.recipients]) {
        credentialHistory[party] = await allPages<HistoryEntry>(ledger, 'GetHistory', 'credential', fileId, party);
    }
    const signatures = await ledger.query<SignatureRecord[]>('GetSignatures', fileId);
    return { file, credentialHistory, signatures };
}

/**
 * The audit step: a file's whole trail from its records — the share, every grant and revocation
 * of a credential, every signature — with parties, times and transaction ids, oldest first. A
 * credential version is a step when it turns revoked, or active under a new version (shared when
 * the file's creating transaction wrote it, else granted).
 */
export function auditTrail({ file, credentialHistory, signatures }: AuditRecords): AuditEntry[] {
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
    for (const signature of signatures) {
        const over =
            signature.schema === 'sealpact/signature/v2'
                ? `hmac-${signature.digestAlgorithm}:${signature.plaintextCommitment}`
                : `${signature.digestAlgorithm}:${signature.plaintextDigest}`;
        const detail = `${signature.algorithm.toUpperCase()} signature over ${over}`;
        trail.push({
            at: signature.signedAt,
            txId: signature.txId,
            action: 'signed',
            by: signature.signer,
            party: signature.signer,
            detail,
        });
    }
    return trail.sort((a, b) => a.at.localeCompare(b.at) || a.action.localeCompare(b.action));
}
