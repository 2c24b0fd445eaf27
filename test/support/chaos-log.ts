import { isSealpactError } from '@sealpact/protocol';
import { CommitUnknownError } from '../../client/src/sdk/ledger-errors';
import { sleep } from './chaos-network';

/** What the load does: a send (ShareFile), a receive (download, verify, decrypt) or a sign (SignContract). */
export type OperationKind = 'send' | 'receive' | 'sign';

/**
 * How an operation ended: `ok` (committed, for a send or a sign; decrypted and verified, for a
 * receive), `failed` with a SealpactError's code (certainly not committed), `unknown-commit`
 * (COMMIT_UNKNOWN: handed to the orderer, commit status lost), or `untyped` (anything else thrown:
 * a bug the suite reports).
 */
export type Outcome = 'ok' | 'failed' | 'unknown-commit' | 'untyped';

export interface Operation {
    worker: string;
    kind: OperationKind;
    fileId: string;
    /** Epoch milliseconds. */
    startedAt: number;
    endedAt?: number;
    outcome?: Outcome;
    /** The SealpactError's code, for `failed` and `unknown-commit`. */
    code?: string;
    /** The first line of what was thrown, for `failed`, `unknown-commit` and `untyped`. */
    message?: string;
    /** The transaction that committed, or whose status is unknown. */
    txId?: string;
    /** A committed send's blob. */
    locator?: string;
}

/** Every operation of the load, as it starts and ends. */
export class OperationLog {
    readonly operations: Operation[] = [];

    /**
     * Run `call` as one operation and record how it ended; resolves with its result, or undefined
     * when it threw (never rejects: the load goes on).
     */
    async record<T>(
        worker: string,
        kind: OperationKind,
        fileId: string,
        call: () => Promise<T>,
        details: (result: T) => Pick<Operation, 'txId' | 'locator'> = () => ({}),
    ): Promise<T | undefined> {
        const operation: Operation = { worker, kind, fileId, startedAt: Date.now() };
        this.operations.push(operation);
        try {
            const result = await call();
            Object.assign(operation, { outcome: 'ok', ...details(result) });
            return result;
        } catch (err) {
            Object.assign(operation, failure(err));
            return undefined;
        } finally {
            operation.endedAt = Date.now();
        }
    }

    /** The operation `worker` started last. */
    last(worker: string): Operation | undefined {
        return this.operations.filter((op) => op.worker === worker).pop();
    }

    /** Operations not ended yet. */
    running(): Operation[] {
        return this.operations.filter((op) => op.endedAt === undefined);
    }

    /**
     * When every one of `workers` has had an operation that started at or after `since` succeed:
     * the end of the last of those first successes. Waits up to `timeoutMs`; undefined if that
     * did not happen by then.
     */
    async everyWorkerSucceeded(workers: string[], since: number, timeoutMs: number): Promise<number | undefined> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const firsts = workers.map((worker) => this.firstSuccess(worker, since));
            if (firsts.every((at) => at !== undefined)) return Math.max(...firsts);
            if (Date.now() > deadline) return undefined;
            await sleep(100);
        }
    }

    private firstSuccess(worker: string, since: number): number | undefined {
        const ends = this.operations
            .filter((op) => op.worker === worker && op.startedAt >= since && op.outcome === 'ok')
            .map((op) => op.endedAt ?? Infinity);
        return ends.length > 0 ? Math.min(...ends) : undefined;
    }
}

/** How a thrown value is recorded. */
function failure(err: unknown): Pick<Operation, 'outcome' | 'code' | 'message' | 'txId'> {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    if (err instanceof CommitUnknownError) {
        return { outcome: 'unknown-commit', code: err.code, message, txId: err.txId };
    }
    if (isSealpactError(err)) {
        return { outcome: 'failed', code: err.code, message };
    }
    return { outcome: 'untyped', message };
}
