import {
    ClientError,
    ContractRecord,
    CredentialInput,
    FileRecord,
    isSealpactError,
    SigningPlan,
    Suite,
    SUITE_CIPHERTEXT_DIGEST,
} from '@sealpact/protocol';
import { BlobStore, StoredBlob } from '../store/blob-store';
import { Ledger } from './ledger';
import { CommitUnknownError } from './ledger-errors';
import { UploadJournal } from './upload-journal';

export interface SendResult {
    fileId: string;
    txId: string;
    locator: string;
    ciphertextDigest: string;
    digestAlgorithm: string;
    size: number;
    /** True when the file was already on the ledger from an earlier attempt with the same id. */
    alreadySent: boolean;
    /** The file's contract, when it was shared with a signing plan (for an earlier attempt: as it stands now). */
    contract?: ContractRecord;
}

/** What ShareFile records: the uploaded blob and the sealed credentials of one file; ShareContract its plan too. */
export interface Share {
    fileId: string;
    suite: Suite;
    blob: StoredBlob;
    credentials: CredentialInput[];
    plan?: SigningPlan;
}

/** Who records a share, and where its blob and journal entry live. */
export interface ShareRecorder {
    ledger: Ledger;
    store: BlobStore;
    uploads?: UploadJournal;
    /** The sender's party id. */
    owner: string;
}

/**
 * Upload the share to the ledger with ShareFile: credentials, suite, digest, size and locator; with
 * a plan, ShareContract records the same and the contract in one transaction (so no file is ever
 * on the ledger without its plan). What becomes of the blob when ShareFile fails follows ledger-errors.ts (mayHaveCommitted): when
 * it certainly did not commit, the blob and its journal entry are removed; when its outcome is
 * unknown (COMMIT_UNKNOWN) both stay, since the ledger may hold the file, for a retry with the same
 * file id or gc to settle. A refusal because an earlier attempt with this id committed meanwhile
 * returns that attempt (`alreadySent`).
 */
export async function recordShare(recorder: ShareRecorder, share: Share): Promise<SendResult> {
    const { ledger, store, uploads, owner } = recorder;
    const { fileId, suite, blob, credentials, plan } = share;
    const args = [
        fileId,
        suite,
        SUITE_CIPHERTEXT_DIGEST[suite],
        blob.digest,
        String(blob.size),
        blob.locator,
        JSON.stringify(credentials),
    ];
    try {
        const committed = plan
            ? await ledger.submit('ShareContract', ...args, JSON.stringify(plan))
            : await ledger.submit('ShareFile', ...args);
        // Best effort: a stale entry only makes a later gc check this file on the ledger.
        await uploads?.remove(blob.locator).catch(() => undefined);
        const contract = plan && (JSON.parse(committed.payload) as { contract: ContractRecord }).contract;
        return {
            fileId,
            txId: committed.txId,
            locator: blob.locator,
            ciphertextDigest: blob.digest,
            digestAlgorithm: SUITE_CIPHERTEXT_DIGEST[suite],
            size: blob.size,
            alreadySent: false,
            ...(contract && { contract }),
        };
    } catch (err) {
        if (err instanceof CommitUnknownError) {
            // The share may still commit with this blob: keep it and its journal entry.
            throw new CommitUnknownError(
                err.transaction,
                err.txId,
                err.stage,
                err.reason,
                `the blob is kept; retry send with --file-id ${fileId} or run gc later`,
            );
        }
        // Refused before the orderer, or invalid at commit: the ledger cannot hold this blob. If
        // the removal fails too, the journal entry stays for gc; the caller sees the first error.
        await store
            .delete(blob.locator)
            .then(() => uploads?.remove(blob.locator))
            .catch(() => undefined);
        // The id may be taken by an earlier attempt of ours that committed meanwhile (say after
        // COMMIT_UNKNOWN): refused at endorsement, or invalid at commit (MVCC_READ_CONFLICT).
        const earlier =
            isSealpactError(err, 'DUPLICATE_ID') || isSealpactError(err, 'COMMIT_FAILED')
                ? await committedShare(ledger, fileId, owner)
                : undefined;
        if (earlier) {
            return earlier;
        }
        throw err;
    }
}

/**
 * The result of an earlier send of this file id by `owner`, if one committed, with its contract
 * if it has one: what makes a retry with the same id idempotent. DUPLICATE_ID when another party
 * owns the id.
 */
export async function committedShare(ledger: Ledger, fileId: string, owner: string): Promise<SendResult | undefined> {
    let file: FileRecord;
    try {
        file = await ledger.query<FileRecord>('GetFile', fileId);
    } catch (err) {
        if (isSealpactError(err, 'NOT_FOUND') || isSealpactError(err, 'ACCESS_DENIED')) {
            return undefined;
        }
        throw err;
    }
    if (file.owner !== owner) {
        throw new ClientError('DUPLICATE_ID', `file id ${fileId} is already used by ${file.owner}`);
    }
    const contract = await ledger.query<ContractRecord>('GetContract', fileId).catch((err: unknown) => {
        if (isSealpactError(err, 'NOT_FOUND')) return undefined;
        throw err;
    });
    return {
        fileId,
        txId: file.createdTxId,
        locator: file.locator,
        ciphertextDigest: file.ciphertextDigest,
        digestAlgorithm: file.digestAlgorithm,
        size: file.size,
        alreadySent: true,
        ...(contract && { contract }),
    };
}
