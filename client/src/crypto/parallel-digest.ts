/**
 * A hash computed on a second thread, so the streaming cipher (stream.ts) can encrypt or decrypt on
 * the main thread while the container digest runs concurrently: the two then cost max(cipher,
 * hash) instead of their sum.
 *
 * Design, kept small on purpose:
 * - One worker_threads Worker for the whole process, started on first use and shared by every
 *   digest (tests create hundreds of streams); jobs are multiplexed by id. Its code is an inline
 *   CommonJS string using only node:crypto, so it runs the same from dist/ and under ts-jest.
 * - `update` copies the bytes at once (callers may reuse their buffers) into a 1 MiB batch, and a
 *   full batch is transferred to the worker, never copied again. A digest whose input never
 *   filled one batch is computed inline when asked for: small containers never touch the worker
 *   (a hash state cannot move between threads, but nothing is hashed until the first batch is
 *   full, so the choice is made before any hashing starts, with no size hint needed).
 * - Backpressure: each job counts bytes posted but not yet hashed; above 8 MiB, `mustWait` is true
 *   and the caller awaits `drained()`, so a slow hash slows the stream and memory stays bounded for
 *   any input size.
 * - The worker is ref'd only while some job awaits a reply (bytes in flight or a digest asked
 *   for), so it never keeps an idle process alive; a job dropped without `digest()` or `abort()`
 *   costs the worker one idle hash state until the process exits. `abort()` frees it at once.
 * - A failure in the worker (or its exit) fails every open job with a SealpactError
 *   (DIGEST_FAILED); the next job starts a fresh worker.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { CryptoError, SealpactError } from '@sealpact/protocol';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map(); // job id -> Hash, or null once the job failed
parentPort.on('message', (m) => {
    if (m.op === 'abort') {
        hashes.delete(m.id);
        return;
    }
    let hash = hashes.get(m.id);
    if (hash === null) return;
    try {
        if (hash === undefined) {
            hash = createHash(m.algorithm);
            hashes.set(m.id, hash);
        }
        if (m.op === 'update') {
            hash.update(m.data);
            // Hand the batch back for reuse: no allocation (and no page faults) per batch.
            parentPort.postMessage({ id: m.id, hashed: m.data }, [m.data.buffer]);
        } else if (m.op === 'digest') {
            hashes.delete(m.id);
            const digest = hash.digest();
            parentPort.postMessage({ id: m.id, digest }, [digest.buffer]);
        } else if (m.op === 'fail') {
            throw new Error(m.message);
        }
    } catch (err) {
        hashes.set(m.id, null);
        parentPort.postMessage({ id: m.id, error: String(err && err.message) });
    }
});
`;

const MIB = 1024 * 1024;

/** Tuning, overridable by tests to exercise the worker path with small inputs. */
export interface ParallelDigestOptions {
    /** Bytes copied into one message to the worker; a digest of less than this is computed inline. */
    batchBytes?: number;
    /** Bytes posted but not yet hashed above which `mustWait` is true. */
    maxInFlight?: number;
}

type WorkerReply =
    { id: number; hashed: Uint8Array } | { id: number; digest: Uint8Array } | { id: number; error: string };

/** The shared worker and the jobs it holds. */
class DigestWorker {
    private worker?: Worker;
    private readonly jobs = new Map<number, ParallelDigest>();
    private nextId = 1;
    /** Jobs awaiting a reply; the worker is ref'd exactly while this is non-zero. */
    private busy = 0;

    /** Open jobs (for tests: a destroyed stream must leave none). */
    get openJobs(): number {
        return this.jobs.size;
    }

    open(job: ParallelDigest): number {
        const id = this.nextId++;
        this.jobs.set(id, job);
        return id;
    }

    close(id: number): void {
        this.jobs.delete(id);
    }

    post(message: { op: string; id: number; [key: string]: unknown }, transfer?: ArrayBuffer[]): void {
        this.start().postMessage(message, transfer);
    }

    setBusy(busy: boolean): void {
        this.busy += busy ? 1 : -1;
        if (this.worker !== undefined) {
            if (this.busy > 0) {
                this.worker.ref();
            } else {
                this.worker.unref();
            }
        }
    }

    /** Terminate the worker as if it had crashed: open jobs fail, the next job starts a new one. */
    async terminate(): Promise<void> {
        await this.worker?.terminate();
    }

    private start(): Worker {
        if (this.worker !== undefined) {
            return this.worker;
        }
        const worker = new Worker(WORKER_SOURCE, { eval: true });
        worker.on('message', (reply: WorkerReply) => this.jobs.get(reply.id)?.receive(reply));
        const failAll = (reason: string) => {
            if (this.worker !== worker) {
                return;
            }
            this.worker = undefined;
            const error = new CryptoError('DIGEST_FAILED', `the digest worker ${reason}`);
            for (const job of [...this.jobs.values()]) {
                job.fail(error);
            }
        };
        worker.on('error', (err) => {
            failAll(`failed: ${err.message}`);
        });
        worker.on('exit', (code) => {
            failAll(`exited (code ${code})`);
        });
        if (this.busy === 0) {
            worker.unref();
        }
        this.worker = worker;
        return worker;
    }
}

const shared = new DigestWorker();

/** Open jobs on the shared worker; for tests. @internal */
export function openDigestJobs(): number {
    return shared.openJobs;
}

/** Kill the shared worker, failing its open jobs; for tests. @internal */
export function terminateDigestWorker(): Promise<void> {
    return shared.terminate();
}

/**
 * One digest computed on the shared worker thread. Feed it with `update`, respect `mustWait` /
 * `drained()`, then `digest()`; or `abort()` to drop it.
 */
export class ParallelDigest {
    private readonly batchBytes: number;
    private readonly maxInFlight: number;
    private batch?: Buffer;
    private filled = 0;
    /** Batches the worker has handed back, reused before allocating another. */
    private spare: Buffer[] = [];
    private id?: number;
    private inFlight = 0;
    private busy = false;
    private done = false;
    private error?: SealpactError;
    private drainWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
    private result?: { resolve: (digest: Buffer) => void; reject: (err: Error) => void };

    constructor(
        readonly algorithm: string,
        options: ParallelDigestOptions = {},
    ) {
        this.batchBytes = options.batchBytes ?? MIB;
        this.maxInFlight = options.maxInFlight ?? 8 * MIB;
    }

    /** True when the caller should await `drained()` before the next `update`. */
    get mustWait(): boolean {
        return this.inFlight > this.maxInFlight && this.error === undefined;
    }

    /** Hash `bytes` (copied at once). @throws the job's SealpactError once it has failed */
    update(bytes: Uint8Array): void {
        this.check();
        let offset = 0;
        while (offset < bytes.length) {
            this.batch ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(this.batchBytes);
            const count = Math.min(bytes.length - offset, this.batchBytes - this.filled);
            this.batch.set(bytes.subarray(offset, offset + count), this.filled);
            this.filled += count;
            offset += count;
            if (this.filled === this.batchBytes) {
                this.send();
            }
        }
    }

    /** Resolves once few enough bytes are in flight; rejects if the job failed. */
    drained(): Promise<void> {
        if (this.error !== undefined) {
            return Promise.reject(this.error);
        }
        if (!this.mustWait) {
            return Promise.resolve();
        }
        return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
    }

    /** The digest of everything updated; the job is finished afterwards. */
    digest(): Promise<Buffer> {
        const refusal = this.refusal();
        if (refusal !== undefined) {
            return Promise.reject(refusal);
        }
        this.done = true;
        if (this.id === undefined) {
            // Less than one batch in all: hashing it here is cheaper than a round trip.
            const bytes = this.batch?.subarray(0, this.filled) ?? Buffer.alloc(0);
            this.batch = undefined;
            try {
                return Promise.resolve(createHash(this.algorithm).update(bytes).digest());
            } catch (err) {
                this.error = new CryptoError(
                    'DIGEST_FAILED',
                    `the ${this.algorithm} digest failed: ${(err as Error).message}`,
                );
                return Promise.reject(this.error);
            }
        }
        this.send();
        return new Promise((resolve, reject) => {
            this.result = { resolve, reject };
            shared.post({ op: 'digest', id: this.id as number, algorithm: this.algorithm });
            this.updateBusy();
        });
    }

    /** Drop the job (e.g. its stream was destroyed); pending promises never settle. Idempotent. */
    abort(): void {
        this.batch = undefined;
        this.spare = [];
        this.done = true;
        this.drainWaiters = [];
        this.result = undefined;
        this.inFlight = 0;
        if (this.id !== undefined) {
            shared.close(this.id);
            shared.post({ op: 'abort', id: this.id });
            this.id = undefined;
        }
        this.updateBusy();
    }

    /** Make the worker fail this job, as a hash error would; for tests. @internal */
    injectFailure(message: string): void {
        this.id ??= shared.open(this);
        shared.post({ op: 'fail', id: this.id, algorithm: this.algorithm, message });
    }

    /** @internal called by the shared worker */
    receive(reply: WorkerReply): void {
        if ('hashed' in reply) {
            const { buffer, byteLength } = reply.hashed;
            this.inFlight -= byteLength;
            this.spare.push(Buffer.from(buffer));
            if (!this.mustWait) {
                const waiters = this.drainWaiters;
                this.drainWaiters = [];
                for (const waiter of waiters) {
                    waiter.resolve();
                }
            }
        } else if ('digest' in reply) {
            const result = this.result;
            this.finish();
            result?.resolve(Buffer.from(reply.digest.buffer, reply.digest.byteOffset, reply.digest.byteLength));
        } else {
            this.fail(new CryptoError('DIGEST_FAILED', `the ${this.algorithm} digest failed: ${reply.error}`));
        }
        this.updateBusy();
    }

    /** @internal called by the shared worker */
    fail(error: SealpactError): void {
        const waiters = this.drainWaiters;
        const result = this.result;
        this.error = error;
        this.finish();
        for (const waiter of waiters) {
            waiter.reject(error);
        }
        result?.reject(error);
        this.updateBusy();
    }

    private check(): void {
        const refusal = this.refusal();
        if (refusal !== undefined) {
            throw refusal;
        }
    }

    /** Why the job takes no more calls: it failed, or it is finished. */
    private refusal(): SealpactError | undefined {
        if (this.error !== undefined) {
            return this.error;
        }
        if (this.done) {
            return new CryptoError('WRONG_STATE', 'the digest is already finished');
        }
        return undefined;
    }

    /** Post the current batch (possibly partial or empty) to the worker, starting the job if needed. */
    private send(): void {
        this.id ??= shared.open(this);
        if (this.batch !== undefined && this.filled > 0) {
            const data = this.batch.subarray(0, this.filled);
            shared.post({ op: 'update', id: this.id, algorithm: this.algorithm, data }, [
                this.batch.buffer as ArrayBuffer,
            ]);
            this.inFlight += this.filled;
            this.updateBusy();
        }
        this.batch = undefined;
        this.filled = 0;
    }

    private finish(): void {
        this.spare = [];
        this.drainWaiters = [];
        this.result = undefined;
        this.inFlight = 0;
        this.batch = undefined;
        this.done = true;
        if (this.id !== undefined) {
            shared.close(this.id);
            this.id = undefined;
        }
    }

    private updateBusy(): void {
        const busy = this.id !== undefined && (this.inFlight > 0 || this.result !== undefined);
        if (busy !== this.busy) {
            this.busy = busy;
            shared.setBusy(busy);
        }
    }
}
