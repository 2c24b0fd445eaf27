import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { MAX_AAD_LENGTH, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, Suite } from '@sealpact/protocol';
import { cryptoPool } from './crypto-pool';
import { createDecryptStream, createEncryptStream, DecryptStream, EncryptStream } from './stream';
import { expectRejection } from '../../../protocol/src/test-support/expect-error';
import { defined } from '../../../protocol/src/test-support/defined';
import { referenceTreeDigest } from '../test-support/tree-digest';

const CHUNK = MIN_CHUNK_SIZE; // small chunks keep many-chunk cases fast
const SUITES: Suite[] = ['intl', 'gm'];
const TAG_LENGTH: Record<Suite, number> = { intl: 16, gm: 32 };
const HEADER_FIXED = 80; // header length without AAD (docs/format.md)

/** Feed `input` through `transform` in pieces of the given sizes (cycled) and collect the output. */
async function run(transform: Transform, input: Buffer, pieceSizes: number[] = [input.length]): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for (let offset = 0, i = 0; offset < input.length; i++) {
        const size = Math.max(1, defined(pieceSizes[i % pieceSizes.length], 'a piece size'));
        pieces.push(input.subarray(offset, offset + size));
        offset += size;
    }
    const out: Buffer[] = [];
    await pipeline(Readable.from(pieces), transform, async (source: AsyncIterable<Buffer>) => {
        for await (const piece of source) {
            out.push(piece);
        }
    });
    return Buffer.concat(out);
}

/** Buffer equality without jest's element-by-element deep compare, which is slow on large buffers. */
function expectBytes(actual: Buffer, expected: Buffer): void {
    expect(actual.length).toBe(expected.length);
    expect(actual.equals(expected)).toBe(true);
}

const interesting = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK - 1, 3 * CHUNK, 3 * CHUNK + 1];

describe('streaming file cipher round trip', () => {
    it('decrypts what it encrypted, for both suites, any size, AAD and write pattern', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom(...SUITES),
                fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 6 * CHUNK })),
                fc.uint8Array({ maxLength: 40 }),
                fc.array(fc.integer({ min: 1, max: 3 * CHUNK }), { minLength: 1, maxLength: 5 }),
                fc.array(fc.integer({ min: 1, max: 3 * CHUNK }), { minLength: 1, maxLength: 5 }),
                async (suite, size, aadBytes, writePieces, readPieces) => {
                    const password = randomBytes(32);
                    const aad = Buffer.from(aadBytes);
                    const plaintext = randomBytes(size);
                    const encryptor = createEncryptStream({ suite, password, aad, chunkSize: CHUNK });
                    const container = await run(encryptor, plaintext, writePieces);

                    const chunks = Math.max(1, Math.ceil(size / CHUNK));
                    expect(container.length).toBe(HEADER_FIXED + aad.length + size + chunks * TAG_LENGTH[suite]);

                    const hash = suite === 'intl' ? 'sha256' : 'sm3';
                    expect(encryptor.ciphertextDigest).toEqual({
                        algorithm: `${hash}-tree`,
                        digest: referenceTreeDigest(hash, container),
                        size: container.length,
                    });

                    const decryptor = createDecryptStream({ password, aad });
                    expectBytes(await run(decryptor, container, readPieces), plaintext);
                    expect(decryptor.ciphertextDigest).toEqual(encryptor.ciphertextDigest);
                    expect(decryptor.header).toMatchObject({ suite, chunkSize: CHUNK, aad });
                },
            ),
        );
    });

    it.each(SUITES)('uses the default 1 MiB chunk size and a fresh salt each time (%s)', async (suite) => {
        const password = randomBytes(32);
        const plaintext = randomBytes(100_000);
        const a = await run(createEncryptStream({ suite, password }), plaintext);
        const b = await run(createEncryptStream({ suite, password }), plaintext);
        expect(a.readUInt32BE(10)).toBe(1048576);
        expect(a.subarray(14, 46)).not.toEqual(b.subarray(14, 46));
        expect(a.equals(b)).toBe(false);
        expectBytes(await run(createDecryptStream({ password }), a), plaintext);
    });

    it.each([
        ['intl', 'sha256'],
        ['gm', 'sm3'],
    ] as const)(
        'computes the version 1 digest when asked (%s, %s), as old ledger records have it',
        async (suite, hash) => {
            const password = randomBytes(32);
            const plaintext = randomBytes(3 * 1024 * 1024 + 5);
            const encryptor = createEncryptStream({ suite, password, digestAlgorithm: hash });
            const container = await run(encryptor, plaintext, [70_000]);
            const expected = {
                algorithm: hash,
                digest: createHash(hash).update(container).digest(),
                size: container.length,
            };
            expect(encryptor.ciphertextDigest).toEqual(expected);
            const decryptor = createDecryptStream({ password, digestAlgorithm: hash });
            expectBytes(await run(decryptor, container, [1000, 2_000_000]), plaintext);
            expect(decryptor.ciphertextDigest).toEqual(expected);
            // The same container under the default version 2 digest.
            const again = createDecryptStream({ password });
            await run(again, container);
            expect(again.ciphertextDigest).toEqual({
                algorithm: `${hash}-tree`,
                digest: referenceTreeDigest(hash, container),
                size: container.length,
            });
        },
    );

    it('takes a string AAD as UTF-8', async () => {
        const password = randomBytes(32);
        const container = await run(createEncryptStream({ suite: 'gm', password, aad: 'file-é' }), Buffer.from('x'));
        const decryptor = createDecryptStream({ password, aad: Buffer.from('file-é', 'utf8') });
        expect(await run(decryptor, container)).toEqual(Buffer.from('x'));
    });
});

describe('argument checks', () => {
    const password = randomBytes(32);

    it.each([
        ['31 bytes', randomBytes(31)],
        ['33 bytes', randomBytes(33)],
        ['empty', Buffer.alloc(0)],
        ['a hex string', randomBytes(32).toString('hex')],
    ])('refuses a file password of %s', (_label, bad) => {
        const expected = expect.objectContaining({ code: 'BAD_FILE_PASSWORD' });
        expect(() => createEncryptStream({ suite: 'intl', password: bad as Buffer })).toThrow(expected);
        expect(() => createDecryptStream({ password: bad as Buffer })).toThrow(expected);
    });

    it('accepts a Uint8Array view as the password', async () => {
        const backing = new Uint8Array(64);
        const view = backing.subarray(16, 48);
        const container = await run(createEncryptStream({ suite: 'intl', password: view }), Buffer.from('hi'));
        expect(await run(createDecryptStream({ password: Buffer.from(view) }), container)).toEqual(Buffer.from('hi'));
    });

    it.each([MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1, 1536.5, 0])('refuses chunk size %d', (chunkSize) => {
        expect(() => createEncryptStream({ suite: 'gm', password, chunkSize })).toThrow(
            expect.objectContaining({ code: 'BAD_ARGUMENT' }),
        );
    });

    it('accepts the chunk size bounds', () => {
        for (const chunkSize of [MIN_CHUNK_SIZE, MAX_CHUNK_SIZE]) {
            expect(createEncryptStream({ suite: 'gm', password, chunkSize })).toBeInstanceOf(EncryptStream);
        }
    });

    it('refuses an unknown suite name', () => {
        expect(() => createEncryptStream({ suite: 'sm4-gcm' as Suite, password })).toThrow(
            expect.objectContaining({ code: 'BAD_ARGUMENT' }),
        );
    });

    it('keeps its own copy of the password', async () => {
        const key = randomBytes(32);
        const container = await run(createEncryptStream({ suite: 'intl', password: key }), Buffer.from('x'));
        const decryptor = createDecryptStream({ password: key });
        const original = Buffer.from(key);
        key.fill(0); // the caller wipes its buffer before the data arrives
        expectBytes(await run(decryptor, container), Buffer.from('x'));
        expect(key.equals(Buffer.alloc(32))).toBe(true);
        expect(original.equals(Buffer.alloc(32))).toBe(false);
    });

    it('refuses AAD longer than the length field', () => {
        expect(createDecryptStream({ password, aad: Buffer.alloc(MAX_AAD_LENGTH) })).toBeInstanceOf(DecryptStream);
        expect(() => createEncryptStream({ suite: 'intl', password, aad: Buffer.alloc(MAX_AAD_LENGTH + 1) })).toThrow(
            expect.objectContaining({ code: 'BAD_ARGUMENT' }),
        );
    });
});

describe('streams on the crypto pool', () => {
    const MIB = 1024 * 1024;

    it('fails a stream whose worker dies, and a fresh worker serves the next one', async () => {
        const password = randomBytes(32);
        const encryptor = createEncryptStream({ suite: 'gm', password });
        const done = pipeline(
            new Readable({
                read() {
                    this.push(randomBytes(512 * 1024));
                },
            }),
            encryptor,
            new Writable({ write: (_chunk, _encoding, callback) => callback() }),
        );
        // Let chunks through until some wait on a worker, then kill the workers.
        while (cryptoPool.queued === 0) {
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const failed = expectRejection(done, 'DIGEST_FAILED', 'the crypto worker exited');
        await cryptoPool.terminate();
        await failed;

        const plaintext = randomBytes(3 * MIB);
        const container = await run(createEncryptStream({ suite: 'intl', password }), plaintext);
        expectBytes(await run(createDecryptStream({ password }), container, [MIB + 7]), plaintext);
    });

    it('does not keep the process alive: a child exits promptly without any cleanup', async () => {
        // Run the TypeScript sources in a plain node process (transpiled on require).
        const hook = join(__dirname, '..', 'test-support', 'register-ts.js');
        const script = `
            const { createEncryptStream } = require(${JSON.stringify(join(__dirname, 'stream.ts'))});
            const password = Buffer.alloc(32, 7);
            (async () => {
                await createEncryptStream({ suite: 'intl', password }).end(Buffer.alloc(5 << 20)).toArray();
                await createEncryptStream({ suite: 'gm', password }).end(Buffer.from('small')).toArray();
                const dropped = createEncryptStream({ suite: 'intl', password });
                dropped.resume();
                dropped.write(Buffer.alloc(5 << 20));
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
