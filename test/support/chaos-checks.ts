import { FileRecord, isSealpactError, SignatureRecord } from '@sealpact/protocol';
import { createCiphertextHasher } from '../../client/src/crypto/ciphertext-digest';
import { BlobStore } from '../../client/src/store/blob-store';
import { ChaosLoad } from './chaos-load';
import { Operation } from './chaos-log';

/**
 * What the suite checks once every fault is resumed, the network is ready and the load has stopped:
 * the ledger and the S3 bucket against what the SDK told each worker. Every list is empty on a
 * run that lost nothing.
 */
export interface Findings {
    /** Sends the SDK reported committed. */
    committedSends: number;
    /** Signatures the SDK reported committed. */
    committedSigns: number;
    /** Files of this run on the ledger (committed sends, and unknown-commit ones that did commit). */
    ledgerFiles: number;
    /** Sends that ended COMMIT_UNKNOWN, by what the ledger says now. */
    unknownSends: { committed: number; notCommitted: number };
    /** Committed sends not on the ledger as reported, or whose blob is gone or does not verify. */
    lostSends: string[];
    /** Committed signatures not on the ledger. */
    lostSigns: string[];
    /** Operations that never ended. */
    hung: string[];
    /** Sends that failed (certainly not committed, the SDK said) whose file is on the ledger. */
    failedButCommitted: string[];
    /** Files on the ledger whose blob is missing or does not verify (after gc). */
    filesWithoutBlob: string[];
    /** Blobs gc removed (its grace 0). */
    gcRemoved: number;
    /** Blobs in the bucket after gc that no file on the ledger names. */
    blobsWithoutFile: string[];
    /** Received contracts that differ from what was sent. */
    mismatched: string[];
    /** Failures that were not a SealpactError. */
    untyped: string[];
    /** Each failure's code, and how often. */
    codes: Record<string, number>;
}

const READERS = 4;

/** The checks, with `store` a client of the load's bucket. */
export async function checkAfterwards(load: ChaosLoad, store: BlobStore): Promise<Findings> {
    const ops = load.log.operations;
    const sends = ops.filter((op) => op.kind === 'send');
    const files = await ledgerFiles(load, sends);
    const signed = await recordedSignatures(load, ops);

    let gcRemoved = 0;
    for (const sender of load.senders) gcRemoved += (await load.session(sender).gc(0)).removed.length;
    const named = new Set([...files.values()].map((file) => file.locator));
    const blobsWithoutFile: string[] = [];
    for await (const blob of store.list()) {
        if (!named.has(blob.locator)) blobsWithoutFile.push(blob.locator);
    }
    const badBlobs = new Map<string, string>();
    await inParallel([...files.values()], async (file) => {
        const problem = await blobProblem(store, file);
        if (problem !== undefined) badBlobs.set(file.fileId, problem);
    });

    const committed = sends.filter((op) => op.outcome === 'ok');
    const unknown = sends.filter((op) => op.outcome === 'unknown-commit');
    return {
        committedSends: committed.length,
        committedSigns: ops.filter((op) => op.kind === 'sign' && op.outcome === 'ok').length,
        ledgerFiles: files.size,
        unknownSends: {
            committed: unknown.filter((op) => files.has(op.fileId)).length,
            notCommitted: unknown.filter((op) => !files.has(op.fileId)).length,
        },
        lostSends: committed.flatMap((op) => lostSend(op, files.get(op.fileId), badBlobs.get(op.fileId))),
        lostSigns: ops
            .filter((op) => op.kind === 'sign' && op.outcome === 'ok')
            .filter((op) => !(signed.get(op.fileId) ?? []).some((s) => s.txId === op.txId))
            .map((op) => `${op.fileId}: ${op.worker}'s signature ${op.txId ?? ''} is not on the ledger`),
        hung: load.log.running().map((op) => `${op.worker} ${op.kind} ${op.fileId}`),
        failedButCommitted: sends.filter((op) => op.outcome === 'failed' && files.has(op.fileId)).map(describe),
        filesWithoutBlob: [...badBlobs].map(([fileId, problem]) => `${fileId}: ${problem}`),
        gcRemoved,
        blobsWithoutFile,
        mismatched: [...load.mismatches],
        untyped: ops.filter((op) => op.outcome === 'untyped').map(describe),
        codes: countCodes(ops),
    };
}

/** The ledger's record of each file id a send tried, read by its sender (a verified read); absent when not there. */
async function ledgerFiles(load: ChaosLoad, sends: Operation[]): Promise<Map<string, FileRecord>> {
    const files = new Map<string, FileRecord>();
    await inParallel(sends, async (op) => {
        try {
            files.set(op.fileId, await load.session(op.worker).getFile(op.fileId));
        } catch (err) {
            if (!isSealpactError(err, 'NOT_FOUND')) throw err;
        }
    });
    return files;
}

/** The signatures on the ledger of every file a sign was reported committed or unknown for. */
async function recordedSignatures(load: ChaosLoad, ops: Operation[]): Promise<Map<string, SignatureRecord[]>> {
    const signs = ops.filter((op) => op.kind === 'sign' && (op.outcome === 'ok' || op.outcome === 'unknown-commit'));
    const signers = new Map(signs.map((op) => [op.fileId, op.worker]));
    const signatures = new Map<string, SignatureRecord[]>();
    await inParallel([...signers], async ([fileId, signer]) => {
        signatures.set(fileId, await load.session(signer).signatures(fileId));
    });
    return signatures;
}

/** Why a file's blob does not back it: missing, or its bytes not the ciphertext the ledger names. */
async function blobProblem(store: BlobStore, file: FileRecord): Promise<string | undefined> {
    try {
        const hash = createCiphertextHasher(file.digestAlgorithm);
        for await (const chunk of await store.get(file.locator)) {
            hash.update(chunk as Buffer);
            await hash.drained();
        }
        const digest = (await hash.digest()).toString('hex');
        return digest === file.ciphertextDigest ? undefined : `its blob's digest is ${digest}`;
    } catch (err) {
        return isSealpactError(err) ? err.code : String(err);
    }
}

function lostSend(op: Operation, file: FileRecord | undefined, blobProblem: string | undefined): string[] {
    if (file === undefined) return [`${op.fileId}: not on the ledger`];
    if (file.createdTxId !== op.txId || file.locator !== op.locator) {
        return [`${op.fileId}: the ledger holds ${file.createdTxId} with ${file.locator}, not ${op.txId ?? ''}`];
    }
    return blobProblem === undefined ? [] : [`${op.fileId}: blob ${blobProblem}`];
}

function describe(op: Operation): string {
    return `${op.worker} ${op.kind} ${op.fileId}: ${op.message ?? ''}`;
}

function countCodes(ops: Operation[]): Record<string, number> {
    const codes: Record<string, number> = {};
    for (const op of ops) {
        if (op.code !== undefined) codes[op.code] = (codes[op.code] ?? 0) + 1;
    }
    return codes;
}

/** `work` on every item, READERS at a time. */
async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
        Array.from({ length: READERS }, async () => {
            while (next < items.length) {
                const item = items[next++] as T;
                await work(item);
            }
        }),
    );
}
