import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { bytesToHex, CiphertextDigestAlgorithm, digestLeafPrefix } from '@sealpact/protocol';
import { CiphertextHasher, createCiphertextHasher, SEGMENT_SIZE } from './ciphertext-digest';
import { CryptoPool } from './crypto-pool';
import { referenceTreeDigest } from '../test-support/tree-digest';
import { expectError, expectRejection } from '../../../protocol/src/test-support/expect-error';

const MIB = 1024 * 1024;
const pool = new CryptoPool(2);
afterAll(() => pool.terminate());

/** Feed `pieces` the way the streams do: wait whenever told to. */
async function digestOf(hasher: CiphertextHasher, pieces: Buffer[]): Promise<Buffer> {
    for (const piece of pieces) {
        hasher.update(piece);
        if (hasher.mustWait) {
            await hasher.drained();
        }
    }
    return hasher.digest();
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

describe('the tree digest (version 2)', () => {
    it('leaf inputs start with 00, the index, the length and the last flag', () => {
        expect(bytesToHex(digestLeafPrefix(0, 17, true))).toBe('00' + '0000000000000000' + '00000011' + '01');
        expect(bytesToHex(digestLeafPrefix(258, SEGMENT_SIZE, false))).toBe(
            '00' + '0000000000000102' + '00100000' + '00',
        );
    });

    it.each([0, 1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 2 * SEGMENT_SIZE, 3 * SEGMENT_SIZE + 5])(
        'equals the document, for %d bytes in any pieces',
        async (size) => {
            const data = randomBytes(size);
            for (const hash of ['sha256', 'sm3'] as const) {
                const pieces = split(data, [1, 65536, SEGMENT_SIZE - 1, SEGMENT_SIZE, 2 * SEGMENT_SIZE + 3]);
                const digest = await digestOf(createCiphertextHasher(`${hash}-tree`, pool), pieces);
                expect(digest.equals(referenceTreeDigest(hash, data))).toBe(true);
            }
        },
    );

    it('equals the document for any split of a few segments', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom<CiphertextDigestAlgorithm>('sha256-tree', 'sm3-tree'),
                fc.integer({ min: 0, max: 3 * SEGMENT_SIZE }),
                fc.array(fc.nat(), { maxLength: 12 }),
                async (algorithm, size, cuts) => {
                    const data = randomBytes(size);
                    const digest = await digestOf(createCiphertextHasher(algorithm, pool), split(data, cuts));
                    const hash = algorithm === 'sha256-tree' ? 'sha256' : 'sm3';
                    expect(digest.equals(referenceTreeDigest(hash, data))).toBe(true);
                },
            ),
            { numRuns: 15 },
        );
    });

    it('is not the plain hash of the bytes, nor of the root prefix and the bytes', async () => {
        const data = randomBytes(100);
        const tree = await digestOf(createCiphertextHasher('sha256-tree', pool), [data]);
        expect(tree.equals(createHash('sha256').update(data).digest())).toBe(false);
        expect(
            tree.equals(
                createHash('sha256')
                    .update(Buffer.concat([Buffer.from([1]), data]))
                    .digest(),
            ),
        ).toBe(false);
    });

    it('copies the input at once, so the caller may reuse its buffer', async () => {
        const hasher = createCiphertextHasher('sha256-tree', pool);
        const scratch = Buffer.alloc(MIB + 500, 1);
        hasher.update(scratch);
        scratch.fill(2);
        hasher.update(scratch);
        const expected = referenceTreeDigest('sha256', Buffer.concat([Buffer.alloc(MIB + 500, 1), scratch]));
        expect((await hasher.digest()).equals(expected)).toBe(true);
    });

    it('asks the caller to wait while too many segments are out, and resumes', async () => {
        const hasher = createCiphertextHasher('sm3-tree', pool);
        const mustWaitAfterDrain: boolean[] = [];
        for (let i = 0; i < 12; i++) {
            hasher.update(Buffer.alloc(MIB, i));
            if (hasher.mustWait) {
                await hasher.drained();
                mustWaitAfterDrain.push(hasher.mustWait);
            }
        }
        expect(mustWaitAfterDrain.length).toBeGreaterThan(0);
        expect(mustWaitAfterDrain).not.toContain(true);
        await hasher.digest();
    });

    it('fails, and fails every later call, once a segment failed (its worker died)', async () => {
        const doomed = new CryptoPool(1);
        const hasher = createCiphertextHasher('sm3-tree', doomed);
        hasher.update(randomBytes(2 * MIB)); // hashed here while the worker starts
        await new Promise((resolve) => setTimeout(resolve, 300));
        hasher.update(randomBytes(2 * MIB)); // now on the worker
        expect(doomed.queued).toBeGreaterThan(0);
        const result = expectRejection(hasher.digest(), 'DIGEST_FAILED', 'the crypto worker exited');
        await doomed.terminate();
        await result;
        expectError(() => hasher.update(Buffer.alloc(1)), 'DIGEST_FAILED', 'the crypto worker exited');
        await expectRejection(hasher.drained(), 'DIGEST_FAILED', 'the crypto worker exited');
    });
});

describe('the plain digest (version 1)', () => {
    it.each(['sha256', 'sm3'] as const)('is %s over every byte', async (algorithm) => {
        const data = randomBytes(3 * MIB + 12345);
        const hasher = createCiphertextHasher(algorithm, pool);
        expect(hasher.mustWait).toBe(false);
        const digest = await digestOf(hasher, split(data, [1, 65536, MIB, MIB + 1]));
        expect(digest.equals(createHash(algorithm).update(data).digest())).toBe(true);
    });
});

describe.each<CiphertextDigestAlgorithm>(['sha256', 'sm3-tree'])('a finished %s hasher', (algorithm) => {
    it('takes nothing more (WRONG_STATE), and abort is idempotent', async () => {
        const hasher = createCiphertextHasher(algorithm, pool);
        hasher.update(Buffer.alloc(5000));
        await hasher.digest();
        expectError(() => hasher.update(Buffer.alloc(1)), 'WRONG_STATE', 'the digest is already finished');
        await expectRejection(hasher.digest(), 'WRONG_STATE', 'the digest is already finished');
        hasher.abort();
        hasher.abort();
    });

    it('takes nothing after abort', () => {
        const hasher = createCiphertextHasher(algorithm, pool);
        hasher.update(randomBytes(2 * MIB));
        hasher.abort();
        expectError(() => hasher.update(Buffer.alloc(1)), 'WRONG_STATE', 'the digest is already finished');
    });
});
