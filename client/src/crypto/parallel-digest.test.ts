import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { openDigestJobs, ParallelDigest, ParallelDigestOptions, terminateDigestWorker } from './parallel-digest';
import { createDecryptStream, createEncryptStream } from './stream';

const MIB = 1024 * 1024;
/** Tiny batches so that small inputs take the worker path, with real backpressure. */
const SMALL: ParallelDigestOptions = { batchBytes: 1000, maxInFlight: 3000 };

/** Feed `pieces` into a digest the way the streams do: wait whenever told to. */
async function digestOf(algorithm: string, pieces: Buffer[], options?: ParallelDigestOptions): Promise<Buffer> {
    const digest = new ParallelDigest(algorithm, options);
    for (const piece of pieces) {
        digest.update(piece);
        if (digest.mustWait) {
            await digest.drained();
        }
    }
    return digest.digest();
}

function split(data: Buffer, cuts: number[]): Buffer[] {
    const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
    const pieces: Buffer[] = [];
    let start = 0;
    for (const point of [...points, data.length]) {
        pieces.push(data.subarray(start, point));
        start = point;
    }
    return pieces;
}

/** After each test: every digest job it started has finished or been aborted. */
function noJobLeft(): void {
    const open = openDigestJobs();
    if (open !== 0) {
        throw new Error(`${open} digest job(s) left open`);
    }
}

const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

describe('ParallelDigest', () => {
    afterEach(noJobLeft);

    it('equals the one-shot node:crypto digest for any split, inline or on the worker', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom('sha256', 'sm3'),
                fc.uint8Array({ maxLength: 20_000 }),
                fc.array(fc.nat(), { maxLength: 30 }),
                fc.constantFrom<ParallelDigestOptions | undefined>(undefined, SMALL, { batchBytes: 1 }),
                async (algorithm, bytes, cuts, options) => {
                    const data = Buffer.from(bytes);
                    const expected = createHash(algorithm).update(data).digest();
                    expect((await digestOf(algorithm, split(data, cuts), options)).equals(expected)).toBe(true);
                },
            ),
            { numRuns: 150 },
        );
    });

    it('hashes inputs larger than a batch with the default tuning', async () => {
        const data = randomBytes(3 * MIB + 12345);
        const pieces = split(data, [1, 65536, MIB, MIB + 1, 2 * MIB + 7]);
        expect((await digestOf('sha256', pieces)).equals(createHash('sha256').update(data).digest())).toBe(true);
    });

    it('copies the input at once, so the caller may reuse its buffer', async () => {
        const digest = new ParallelDigest('sha256', SMALL);
        const scratch = Buffer.alloc(2500, 1);
        digest.update(scratch);
        scratch.fill(2);
        digest.update(scratch);
        const expected = createHash('sha256').update(Buffer.alloc(2500, 1)).update(Buffer.alloc(2500, 2)).digest();
        expect((await digest.digest()).equals(expected)).toBe(true);
    });

    it('runs many jobs at once on the one worker', async () => {
        const inputs = Array.from({ length: 200 }, (_, i) => randomBytes(500 + 97 * i));
        const digests = await Promise.all(
            inputs.map((input, i) => digestOf(i % 2 ? 'sm3' : 'sha256', split(input, [i, 3 * i, 7 * i + 1]), SMALL)),
        );
        const expected = inputs.map((input, i) =>
            createHash(i % 2 ? 'sm3' : 'sha256')
                .update(input)
                .digest('hex'),
        );
        expect(digests.map((digest) => digest.toString('hex'))).toEqual(expected);
    });

    it('asks the caller to wait while too many bytes are in flight, and resumes', async () => {
        const digest = new ParallelDigest('sha256', SMALL);
        const mustWaitAfterDrain: boolean[] = [];
        for (let i = 0; i < 50; i++) {
            digest.update(Buffer.alloc(1000, i));
            if (digest.mustWait) {
                await digest.drained();
                mustWaitAfterDrain.push(digest.mustWait);
            }
        }
        expect(mustWaitAfterDrain.length).toBeGreaterThan(0);
        expect(mustWaitAfterDrain).not.toContain(true);
        await digest.digest();
    });

    it('is finished once digested, and abort is idempotent', async () => {
        const digest = new ParallelDigest('sha256', SMALL);
        digest.update(Buffer.alloc(5000));
        await digest.digest();
        expect(() => digest.update(Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'WRONG_STATE' }));
        digest.abort();
        digest.abort();
    });

    it('aborting a job with bytes in flight leaves no job behind', async () => {
        const digest = new ParallelDigest('sha256', SMALL);
        digest.update(randomBytes(10_000));
        expect(openDigestJobs()).toBe(1);
        digest.abort();
        expect(openDigestJobs()).toBe(0);
        // The worker goes on serving other jobs.
        const data = randomBytes(5000);
        expect((await digestOf('sha256', [data], SMALL)).equals(createHash('sha256').update(data).digest())).toBe(true);
    });
});

describe('ParallelDigest errors', () => {
    afterEach(noJobLeft);

    it('rejects an unknown algorithm with a CryptoError, inline and on the worker', async () => {
        const failed = expect.objectContaining({ name: 'CryptoError', code: 'DIGEST_FAILED' });
        await expect(digestOf('no-such-hash', [Buffer.from('abc')])).rejects.toEqual(failed);
        await expect(digestOf('no-such-hash', [Buffer.alloc(10_000)], SMALL)).rejects.toEqual(failed);
    });

    it('fails waiters, the digest and later updates when the worker reports an error', async () => {
        const digest = new ParallelDigest('sha256', { batchBytes: 1000, maxInFlight: 0 });
        digest.update(Buffer.alloc(500)); // still in the batch
        digest.injectFailure('boom');
        digest.update(Buffer.alloc(500)); // posts the batch, after the failure
        expect(digest.mustWait).toBe(true);
        const drained = digest.drained();
        const failed = expect.objectContaining({ code: 'DIGEST_FAILED', message: expect.stringContaining('boom') });
        await expect(drained).rejects.toEqual(failed);
        expect(() => digest.update(Buffer.alloc(1))).toThrow(failed);
        await expect(digest.digest()).rejects.toEqual(failed);
    });

    it('fails a stream whose digest worker dies, and a fresh worker serves the next one', async () => {
        const password = randomBytes(32);
        const encryptor = createEncryptStream({ suite: 'intl', password });
        const done = pipeline(
            new Readable({
                read() {
                    this.push(randomBytes(512 * 1024));
                },
            }),
            encryptor,
            discard(),
        );
        // Let a few MiB through so that the digest has moved to the worker, then kill it.
        while (openDigestJobs() === 0) {
            await new Promise((r) => setTimeout(r, 5));
        }
        await terminateDigestWorker();
        await expect(done).rejects.toEqual(expect.objectContaining({ code: 'DIGEST_FAILED' }));

        const data = randomBytes(3 * MIB);
        const out: Buffer[] = [];
        const again = createEncryptStream({ suite: 'gm', password });
        await pipeline(
            Readable.from([data]),
            again,
            new Writable({
                write: (chunk: Buffer, _e, cb) => {
                    out.push(chunk);
                    cb();
                },
            }),
        );
        expect(again.ciphertextDigest?.digest.equals(createHash('sm3').update(Buffer.concat(out)).digest())).toBe(true);
    });
});

describe('streams on the digest worker', () => {
    it.each(['intl', 'gm'] as const)('round-trips a multi-MiB container with the right digest (%s)', async (suite) => {
        const password = randomBytes(32);
        const plaintext = randomBytes(5 * MIB + 3);
        const container: Buffer[] = [];
        const encryptor = createEncryptStream({ suite, password });
        await pipeline(
            Readable.from([plaintext]),
            encryptor,
            new Writable({
                write: (chunk: Buffer, _e, cb) => {
                    container.push(chunk);
                    cb();
                },
            }),
        );
        const bytes = Buffer.concat(container);
        const algorithm = suite === 'intl' ? 'sha256' : 'sm3';
        expect(encryptor.ciphertextDigest?.digest.equals(createHash(algorithm).update(bytes).digest())).toBe(true);
        const decryptor = createDecryptStream({ password });
        const plain: Buffer[] = [];
        await pipeline(
            Readable.from(split(bytes, [1, 100, 70_000, MIB, 3 * MIB])),
            decryptor,
            new Writable({
                write: (chunk: Buffer, _e, cb) => {
                    plain.push(chunk);
                    cb();
                },
            }),
        );
        expect(Buffer.concat(plain).equals(plaintext)).toBe(true);
        expect(decryptor.ciphertextDigest).toEqual(encryptor.ciphertextDigest);
        expect(openDigestJobs()).toBe(0);
    });

    it('a stream destroyed mid-way leaves no pending job', async () => {
        const password = randomBytes(32);
        const encryptor = createEncryptStream({ suite: 'intl', password });
        encryptor.resume();
        encryptor.write(randomBytes(3 * MIB));
        await new Promise((r) => setImmediate(r));
        expect(openDigestJobs()).toBe(1);
        encryptor.destroy();
        expect(openDigestJobs()).toBe(0);

        const container = Buffer.concat(
            await createEncryptStream({ suite: 'intl', password })
                .end(randomBytes(3 * MIB))
                .toArray(),
        );
        const decryptor = createDecryptStream({ password });
        decryptor.resume();
        decryptor.write(container.subarray(0, 2 * MIB));
        await new Promise((r) => setImmediate(r));
        expect(openDigestJobs()).toBe(1);
        decryptor.destroy();
        expect(openDigestJobs()).toBe(0);
    });

    it('does not keep the process alive: a child exits promptly without any cleanup', async () => {
        // Run the TypeScript sources in a plain node process (transpiled on require).
        const hook = join(__dirname, '..', 'test-support', 'register-ts.js');
        const script = `
            const { createEncryptStream } = require(${JSON.stringify(join(__dirname, 'stream.ts'))});
            const password = Buffer.alloc(32, 7);
            (async () => {
                await createEncryptStream({ suite: 'intl', password }).end(Buffer.alloc(3 << 20)).toArray();
                await createEncryptStream({ suite: 'gm', password }).end(Buffer.from('small')).toArray();
                const dropped = createEncryptStream({ suite: 'intl', password });
                dropped.resume();
                dropped.write(Buffer.alloc(3 << 20));
                setImmediate(() => { dropped.destroy(); process.stdout.write('done ' + Date.now()); });
            })();`;
        const child = spawn(process.execPath, ['-r', hook, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
            stdout += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString();
        });
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
            child.on('exit', (c, s) => r([c, s])),
        );
        const exitedAt = Date.now();
        clearTimeout(killer);
        expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
        const doneAt = Number(/^done (\d+)$/.exec(stdout)?.[1]);
        expect(exitedAt - doneAt).toBeLessThan(2000);
    }, 40_000);
});
