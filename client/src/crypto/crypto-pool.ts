/**
 * A small pool of worker threads for the container's bulk work (crypto-jobs.ts): sealing and
 * opening chunks and hashing the segments of the tree digest, so that a container uses every core
 * instead of one.
 *
 * Design, kept small on purpose:
 * - One worker per core, up to four. A job goes to the worker with the fewest jobs queued; the
 *   main thread only hands out work and moves bytes, so it never sits in a long job while reads,
 *   writes and the workers' replies wait for it. It runs a job itself only while no worker has
 *   started yet, and small jobs and jobs whose bytes are not in a SharedArrayBuffer always: a round
 *   trip costs more than they do. How many jobs are queued at once is up to the callers
 *   (container.ts, ciphertext-digest.ts), which keep two per worker in work.
 * - Workers start on first use and stay; each is ref'd only while it holds jobs, so an idle pool
 *   never keeps a process alive. Their code is the source text of runCryptoJob in an inline
 *   CommonJS string, so it runs the same from dist/ and under ts-jest.
 * - A worker that fails or exits fails the jobs it held with a SealpactError (DIGEST_FAILED); the
 *   next job starts a fresh worker.
 * - Workers have a small young generation (4 MiB): the chunk work leaves its garbage there
 *   (crypto-jobs.ts), so it is collected every few MiB and a worker stays small.
 */
import * as nodeCrypto from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CryptoError } from '@sealpact/protocol';
import { CryptoJob, JobResults, runCryptoJob } from './crypto-jobs';

/** Jobs with fewer bytes than this run on the main thread. */
const INLINE_BYTES = 64 * 1024;
/** The young generation of a worker, in MiB: where the chunk work's garbage is collected. */
const WORKER_YOUNG_MIB = 4;

const WORKER_SOURCE = `
const crypto = require('node:crypto');
const { parentPort } = require('node:worker_threads');
const runCryptoJob = ${String(runCryptoJob)};
parentPort.on('message', ({ id, job }) => {
    try {
        parentPort.postMessage({ id, result: runCryptoJob(crypto, job) });
    } catch (err) {
        parentPort.postMessage({ id, error: String(err && err.message) });
    }
});
`;

interface Pending {
    resolve: (result: unknown) => void;
    reject: (err: Error) => void;
}

type Reply = { id: number; result: unknown } | { id: number; error: string };

/** One worker and the jobs it holds. */
class PoolWorker {
    readonly pending = new Map<number, Pending>();
    online = false;

    /** @param failed told (once or twice: 'error' then 'exit') that the worker is gone, and why */
    constructor(
        readonly worker: Worker,
        failed: (self: PoolWorker, reason: string) => void,
    ) {
        worker.on('online', () => (this.online = true));
        worker.on('message', (reply: Reply) => {
            this.settle(reply);
        });
        worker.on('error', (err) => {
            failed(this, `failed: ${err.message}`);
        });
        worker.on('exit', (code) => {
            failed(this, `exited (code ${code})`);
        });
        worker.unref(); // after the listeners: adding a 'message' listener refs the worker's port again
    }

    post(id: number, job: CryptoJob): Promise<unknown> {
        return new Promise((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            this.worker.ref();
            this.worker.postMessage({ id, job });
        });
    }

    /** Fail every job it holds. */
    failAll(error: Error): void {
        const pending = [...this.pending.values()];
        this.pending.clear();
        for (const job of pending) {
            job.reject(error);
        }
    }

    private settle(reply: Reply): void {
        const job = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (this.pending.size === 0) {
            this.worker.unref();
        }
        if ('error' in reply) {
            job?.reject(jobFailed(reply.error));
        } else {
            job?.resolve(reply.result);
        }
    }
}

function jobFailed(message: string): CryptoError {
    return new CryptoError('DIGEST_FAILED', `a crypto job failed: ${message}`);
}

/** Bytes a job works on, to tell small jobs from large ones. */
function bytesOf(job: CryptoJob): number {
    return job.kind === 'hash' ? job.parts.reduce((sum, part) => sum + part.length, 0) : job.length;
}

/** Whether a worker would see the job's bytes themselves rather than a copy. */
function shared(job: CryptoJob): boolean {
    const bulk = job.kind === 'hash' ? job.parts : [job.data];
    return bulk.some((part) => part.buffer instanceof SharedArrayBuffer);
}

/** The worker threads and the main thread, sharing the work. */
export class CryptoPool {
    private readonly workers: PoolWorker[] = [];
    private nextId = 1;

    /** @param size worker threads at most */
    constructor(readonly size: number) {}

    /** Jobs held by workers now (for tests: a finished or destroyed stream leaves none). */
    get queued(): number {
        return this.workers.reduce((sum, w) => sum + w.pending.size, 0);
    }

    /**
     * Run a job on a worker, or here and now when every worker is busy (or the job is small).
     * The job must not touch its bytes until the promise settles.
     */
    run<J extends CryptoJob>(job: J): Promise<JobResults[J['kind']]> {
        const worker = bytesOf(job) >= INLINE_BYTES && shared(job) ? this.leastBusy() : undefined;
        if (worker !== undefined) {
            return worker.post(this.nextId++, job) as Promise<JobResults[J['kind']]>;
        }
        // Settled on the next turn of the event loop, not at once: a caller feeding jobs from memory
        // would otherwise run on promises alone and never let the workers' replies (or their start) in.
        return new Promise((resolve, reject) => {
            try {
                setImmediate(resolve, runCryptoJob(nodeCrypto, job) as JobResults[J['kind']]);
            } catch (err) {
                setImmediate(reject, jobFailed((err as Error).message));
            }
        });
    }

    /** Stop every worker as if it had crashed (for tests): the jobs they held fail. */
    async terminate(): Promise<void> {
        await Promise.all(this.workers.map((w) => w.worker.terminate()));
    }

    /** The online worker with the fewest jobs; starts another while the pool is not full. */
    private leastBusy(): PoolWorker | undefined {
        if (this.workers.length < this.size) {
            const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_MIB };
            const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits });
            this.workers.push(
                new PoolWorker(worker, (gone, why) => {
                    this.lose(gone, why);
                }),
            );
        }
        let best: PoolWorker | undefined;
        for (const worker of this.workers) {
            if (worker.online && (best === undefined || worker.pending.size < best.pending.size)) {
                best = worker;
            }
        }
        return best;
    }

    private lose(worker: PoolWorker, reason: string): void {
        const index = this.workers.indexOf(worker);
        if (index >= 0) {
            this.workers.splice(index, 1);
            worker.failAll(new CryptoError('DIGEST_FAILED', `the crypto worker ${reason}`));
        }
    }
}

/**
 * Workers at most, whatever the core count: each costs about 10 MiB, and two chunks and two
 * segments of 1 MiB in work; past four, a file is bound by the disk and the main thread's copies.
 */
const MAX_WORKERS = 4;

/** The pool every container shares: one worker per core, up to MAX_WORKERS. */
export const cryptoPool = new CryptoPool(Math.min(availableParallelism(), MAX_WORKERS));
