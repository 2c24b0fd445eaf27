import { createHash, randomBytes } from 'node:crypto';
import { CryptoJob } from './crypto-jobs';
import { CryptoPool } from './crypto-pool';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';

const KIB = 1024;

/** Bytes in memory shared with the pool's workers. */
function shared(bytes: Buffer): Buffer {
    const copy = Buffer.from(new SharedArrayBuffer(bytes.length));
    bytes.copy(copy);
    return copy;
}

const hashJob = (algorithm: string, data: Buffer): CryptoJob => ({ kind: 'hash', algorithm, parts: [data] });

/** Give the pool enough work to start all its workers, and let them come online. */
async function warmUp(pool: CryptoPool): Promise<void> {
    for (let round = 0; round < 2; round++) {
        await Promise.all(Array.from({ length: 5 }, () => pool.run(hashJob('sha256', shared(randomBytes(100 * KIB))))));
        await new Promise((resolve) => setTimeout(resolve, 300));
    }
}

describe('CryptoPool', () => {
    let pool: CryptoPool;
    beforeEach(() => (pool = new CryptoPool(2)));
    afterEach(() => pool.terminate());

    it('runs many jobs here while its workers start, then on the least busy worker, each with its own result', async () => {
        const inputs = Array.from({ length: 60 }, (_, i) => randomBytes(64 * KIB + 977 * i));
        const digests = await Promise.all(
            inputs.map((input, i) => pool.run(hashJob(i % 2 ? 'sm3' : 'sha256', shared(input)))),
        );
        const expected = inputs.map((input, i) =>
            createHash(i % 2 ? 'sm3' : 'sha256')
                .update(input)
                .digest('hex'),
        );
        expect(digests.map((d) => Buffer.from(d as Uint8Array).toString('hex'))).toEqual(expected);
        // Once the workers are up, every large job goes to one of them.
        await warmUp(pool);
        const more = inputs.map((input) => pool.run(hashJob('sha256', shared(input))));
        expect(pool.queued).toBe(inputs.length);
        const again = await Promise.all(more);
        expect(again.map((d) => Buffer.from(d as Uint8Array).toString('hex'))).toEqual(
            inputs.map((input) => createHash('sha256').update(input).digest('hex')),
        );
        expect(pool.queued).toBe(0);
    });

    it('runs on the main thread what is small or not in shared memory', async () => {
        await warmUp(pool);
        const small = pool.run(hashJob('sha256', shared(randomBytes(1000))));
        const unshared = pool.run(hashJob('sha256', randomBytes(300 * KIB)));
        expect(pool.queued).toBe(0);
        await Promise.all([small, unshared]);
    });

    it('fails a job that fails, on a worker or here, with DIGEST_FAILED naming why', async () => {
        await expectRejection(
            pool.run(hashJob('no-such-hash', Buffer.alloc(10))),
            'DIGEST_FAILED',
            'a crypto job failed: ',
        );
        await warmUp(pool);
        const onWorker = pool.run(hashJob('no-such-hash', shared(randomBytes(100 * KIB))));
        expect(pool.queued).toBe(1);
        await expectRejection(onWorker, 'DIGEST_FAILED', /^DIGEST_FAILED: a crypto job failed: .+/);
    });

    it('fails the jobs a worker held when it dies, and starts a fresh one for the next', async () => {
        await warmUp(pool);
        const held = Array.from({ length: 4 }, () => pool.run(hashJob('sm3', shared(randomBytes(4096 * KIB)))));
        expect(pool.queued).toBe(4);
        const settled = Promise.allSettled(held);
        await pool.terminate();
        // A job a worker had finished before it died stands; the rest fail.
        const failed = (await settled).flatMap((outcome) =>
            outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
        );
        expect(failed.length).toBeGreaterThan(0);
        for (const reason of failed) {
            expect(reason).toMatchObject({
                code: 'DIGEST_FAILED',
                message: 'DIGEST_FAILED: the crypto worker exited (code 1)',
            });
        }
        expect(pool.queued).toBe(0);
        const data = randomBytes(100 * KIB);
        await pool.run(hashJob('sha256', shared(data))); // here, while a new worker starts
        await new Promise((resolve) => setTimeout(resolve, 200));
        const again = pool.run(hashJob('sha256', shared(data)));
        expect(pool.queued).toBe(1);
        expect(Buffer.from((await again) as Uint8Array)).toEqual(createHash('sha256').update(data).digest());
    });
});
