import * as nodeCrypto from 'node:crypto';
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { runInThisContext } from 'node:vm';
import fc from 'fast-check';
import { ChunkCipher, CryptoJob, JobResults, runCryptoJob } from './crypto-jobs';

/** runCryptoJob rebuilt from its source text, as a worker thread runs it. */
const fromSource = runInThisContext(`(${String(runCryptoJob)})`) as typeof runCryptoJob;

const gcm = (): ChunkCipher => ({
    construction: 'aead',
    cipher: 'aes-256-gcm',
    key: randomBytes(32),
    aad: randomBytes(32),
    tagLength: 16,
});
const etm = (): ChunkCipher => ({
    construction: 'encrypt-then-mac',
    cipher: 'sm4-ctr',
    key: randomBytes(16),
    ivLength: 16,
    macHash: 'sm3',
    macKey: randomBytes(32),
    macPrefix: randomBytes(32),
    tagLength: 32,
});

/** The chunk as node:crypto computes it in one piece: what a job must write in place. */
function expectedChunk(cipher: ChunkCipher, nonce: Buffer, plaintext: Buffer): Buffer {
    if (cipher.construction === 'aead') {
        const c = createCipheriv(cipher.cipher, cipher.key, nonce, { authTagLength: 16 }).setAAD(cipher.aad);
        return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    }
    const ciphertext = createCipheriv('sm4-ctr', cipher.key, Buffer.concat([nonce, Buffer.alloc(4)])).update(plaintext);
    const tag = createHmac('sm3', cipher.macKey).update(cipher.macPrefix).update(nonce).update(ciphertext).digest();
    return Buffer.concat([ciphertext, tag]);
}

function run(job: CryptoJob, source: boolean): JobResults[CryptoJob['kind']] | undefined {
    return (source ? fromSource : runCryptoJob)(nodeCrypto, job);
}

describe.each([
    ['AES-256-GCM', gcm],
    ['SM4-CTR + HMAC-SM3', etm],
])('%s chunks', (_name, makeCipher) => {
    it.each([false, true])('seal in place what node:crypto computes in one piece (from source text: %s)', (source) => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 200_000 }), (length) => {
                const cipher = makeCipher();
                const nonce = randomBytes(12);
                const plaintext = randomBytes(length);
                const data = Buffer.concat([plaintext, Buffer.alloc(cipher.tagLength + 7)]);
                expect(run({ kind: 'seal', cipher, nonce, data, length }, source)).toBeUndefined();
                expect(
                    data.subarray(0, length + cipher.tagLength).equals(expectedChunk(cipher, nonce, plaintext)),
                ).toBe(true);
                expect(data.subarray(length + cipher.tagLength).equals(Buffer.alloc(7))).toBe(true);
            }),
            { numRuns: 20 },
        );
    });

    it.each([false, true])(
        'open in place under the nonce it was sealed with, trying them in order (from source text: %s)',
        (source) => {
            const cipher = makeCipher();
            const [wrong, right] = [randomBytes(12), randomBytes(12)];
            const plaintext = randomBytes(150_000);
            const chunk = expectedChunk(cipher, right, plaintext);
            const data = Buffer.from(chunk);
            expect(run({ kind: 'open', cipher, nonces: [wrong, right], data, length: chunk.length }, source)).toBe(1);
            expect(data.subarray(0, plaintext.length).equals(plaintext)).toBe(true);

            const again = Buffer.from(chunk);
            expect(run({ kind: 'open', cipher, nonces: [right], data: again, length: chunk.length }, source)).toBe(0);
            expect(again.subarray(0, plaintext.length).equals(plaintext)).toBe(true);
        },
    );

    it('leaves the ciphertext as it was when no nonce opens it, or its tag is altered', () => {
        const cipher = makeCipher();
        const nonce = randomBytes(12);
        const chunk = expectedChunk(cipher, nonce, randomBytes(100_000));
        const data = Buffer.from(chunk);
        const others = [randomBytes(12), randomBytes(12)];
        expect(runCryptoJob(nodeCrypto, { kind: 'open', cipher, nonces: others, data, length: chunk.length })).toBe(-1);
        expect(data.equals(chunk)).toBe(true);
        const last = data.length - 1;
        data.writeUInt8(data.readUInt8(last) ^ 1, last);
        const tampered = Buffer.from(data);
        expect(runCryptoJob(nodeCrypto, { kind: 'open', cipher, nonces: [nonce], data, length: chunk.length })).toBe(
            -1,
        );
        expect(data.equals(tampered)).toBe(true);
    });
});

describe('hash jobs', () => {
    it.each(['sha256', 'sm3'])('hash the parts as one byte string (%s)', (algorithm) => {
        const parts = [randomBytes(14), randomBytes(0), randomBytes(100_000)];
        const expected = createHash(algorithm).update(Buffer.concat(parts)).digest();
        expect(Buffer.from(runCryptoJob(nodeCrypto, { kind: 'hash', algorithm, parts }) as Uint8Array)).toEqual(
            expected,
        );
        expect(Buffer.from(fromSource(nodeCrypto, { kind: 'hash', algorithm, parts }) as Uint8Array)).toEqual(expected);
    });
});
