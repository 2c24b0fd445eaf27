/**
 * The ciphertext digest of a container (docs/format.md, "Ciphertext digest"), computed as the bytes
 * pass, in constant memory.
 *
 * - Version 2 (`sha256-tree`, `sm3-tree`): the bytes are cut into 1 MiB segments; each segment's
 *   leaf hash is a job on the crypto pool, so segments hash on several cores at once, and the root
 *   hashes the leaves in order as they come back. `update` copies the bytes into a segment (the
 *   caller may reuse its buffer); at most a few segments are in flight, and `mustWait` tells the
 *   caller to await `drained()` when they are.
 * - Version 1 (`sha256`, `sm3`): one hash over every byte, on the calling thread. Read for files
 *   recorded before version 2; nothing new is written with it.
 */
import { createHash, Hash } from 'node:crypto';
import {
    CiphertextDigestAlgorithm,
    CryptoError,
    DIGEST_ROOT_PREFIX,
    DIGEST_SEGMENT_SIZE,
    digestLeafPrefix,
    hashOf,
    SealpactError,
} from '@sealpact/protocol';
import { CryptoPool, cryptoPool } from './crypto-pool';

/** Segment size of the tree digest. */
export const SEGMENT_SIZE = DIGEST_SEGMENT_SIZE;

/** The ciphertext digest of a byte stream, as it passes. */
export interface CiphertextHasher {
    readonly algorithm: CiphertextDigestAlgorithm;
    /** Take the next bytes (the caller may reuse its buffer afterwards). @throws the hasher's SealpactError once it failed */
    update(bytes: Uint8Array): void;
    /** True when the caller should await `drained()` before the next `update`. */
    readonly mustWait: boolean;
    drained(): Promise<void>;
    /** The digest of every byte given; the hasher takes nothing more afterwards. */
    digest(): Promise<Buffer>;
    /** Drop the work (its stream failed). */
    abort(): void;
}

/** A hasher for `algorithm`; tree digests hash their segments on `pool`. */
export function createCiphertextHasher(
    algorithm: CiphertextDigestAlgorithm,
    pool: CryptoPool = cryptoPool,
): CiphertextHasher {
    return algorithm.endsWith('-tree') ? new TreeHasher(algorithm, pool) : new PlainHasher(algorithm);
}

function finished(): SealpactError {
    return new CryptoError('WRONG_STATE', 'the digest is already finished');
}

/** Version 1: one hash over every byte. */
class PlainHasher implements CiphertextHasher {
    readonly mustWait = false;
    private hash?: Hash;

    constructor(readonly algorithm: CiphertextDigestAlgorithm) {
        this.hash = createHash(algorithm);
    }

    update(bytes: Uint8Array): void {
        if (this.hash === undefined) {
            throw finished();
        }
        this.hash.update(bytes);
    }

    drained(): Promise<void> {
        return Promise.resolve();
    }

    digest(): Promise<Buffer> {
        const hash = this.hash;
        this.hash = undefined;
        return hash === undefined ? Promise.reject(finished()) : Promise.resolve(hash.digest());
    }

    abort(): void {
        this.hash = undefined;
    }
}

/**
 * Segment buffers, shared with the pool's workers and reused across hashers: a hasher holds at
 * most two per worker plus two, and a small container touches only the first pages of one.
 */
const spareSegments: Buffer[] = [];
const MAX_SPARE_SEGMENTS = 8;

function takeSegment(): Buffer {
    return spareSegments.pop() ?? Buffer.from(new SharedArrayBuffer(SEGMENT_SIZE));
}

function giveBack(segment: Buffer): void {
    if (spareSegments.length < MAX_SPARE_SEGMENTS) {
        spareSegments.push(segment);
    }
}

/** Version 2: leaf hashes of 1 MiB segments on the pool, then the root over them in order. */
class TreeHasher implements CiphertextHasher {
    private readonly hash: string;
    private readonly maxInFlight: number;
    private readonly root: Hash;
    /** The segment being filled. */
    private segment?: Buffer;
    private filled = 0;
    /** A full segment, held until more bytes show it is not the last one. */
    private full?: Buffer;
    private index = 0;
    /** Leaves back from the pool ahead of one still out, by index. */
    private readonly early = new Map<number, Uint8Array>();
    private nextLeaf = 0;
    private inFlight = 0;
    private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
    private error?: SealpactError;
    private done = false;

    constructor(
        readonly algorithm: CiphertextDigestAlgorithm,
        private readonly pool: CryptoPool,
    ) {
        this.hash = hashOf(algorithm);
        this.maxInFlight = 2 * pool.size; // two per worker, so each has the next ready
        this.root = createHash(this.hash).update(Buffer.of(DIGEST_ROOT_PREFIX));
    }

    get mustWait(): boolean {
        return this.inFlight >= this.maxInFlight && this.error === undefined;
    }

    update(bytes: Uint8Array): void {
        this.check();
        let offset = 0;
        while (offset < bytes.length) {
            if (this.full !== undefined) {
                this.send(this.full, SEGMENT_SIZE, false); // more bytes follow it
                this.full = undefined;
            }
            this.segment ??= takeSegment();
            const count = Math.min(bytes.length - offset, SEGMENT_SIZE - this.filled);
            this.segment.set(bytes.subarray(offset, offset + count), this.filled);
            this.filled += count;
            offset += count;
            if (this.filled === SEGMENT_SIZE) {
                this.full = this.segment;
                this.segment = undefined;
                this.filled = 0;
            }
        }
    }

    drained(): Promise<void> {
        if (this.error !== undefined) {
            return Promise.reject(this.error);
        }
        if (!this.mustWait) {
            return Promise.resolve();
        }
        return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    }

    async digest(): Promise<Buffer> {
        this.check();
        this.done = true;
        // The last segment: the held full one, or the partial one (empty only for an empty input).
        const last = this.full ?? this.segment ?? takeSegment();
        this.send(last, this.full === undefined ? this.filled : SEGMENT_SIZE, true);
        this.full = this.segment = undefined;
        while (this.inFlight > 0 && this.error === undefined) {
            await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
        }
        if (this.error !== undefined) {
            throw this.error;
        }
        return this.root.digest();
    }

    abort(): void {
        this.done = true;
        this.error ??= finished();
        for (const segment of [this.full, this.segment]) {
            if (segment !== undefined) {
                giveBack(segment);
            }
        }
        this.full = this.segment = undefined;
        this.waiters = [];
    }

    private check(): void {
        if (this.error !== undefined) {
            throw this.error;
        }
        if (this.done) {
            throw finished();
        }
    }

    private send(segment: Buffer, length: number, last: boolean): void {
        const index = this.index++;
        this.inFlight++;
        const parts = [digestLeafPrefix(index, length, last), segment.subarray(0, length)];
        this.pool.run({ kind: 'hash', algorithm: this.hash, parts }).then(
            (leaf) => {
                this.inFlight--;
                giveBack(segment);
                this.early.set(index, leaf);
                for (
                    let next = this.early.get(this.nextLeaf);
                    next !== undefined;
                    next = this.early.get(this.nextLeaf)
                ) {
                    this.early.delete(this.nextLeaf++);
                    this.root.update(next);
                }
                this.wake();
            },
            (err: unknown) => {
                this.inFlight--;
                this.error ??= err as SealpactError;
                this.wake();
            },
        );
    }

    /** Settle the waiters: with the error once there is one, else once few enough segments are out. */
    private wake(): void {
        if (this.error === undefined && this.mustWait) {
            return;
        }
        const waiters = this.waiters;
        this.waiters = [];
        for (const waiter of waiters) {
            if (this.error === undefined) {
                waiter.resolve();
            } else {
                waiter.reject(this.error);
            }
        }
    }
}
