/**
 * Every kind of damage to a container must be refused with its specific error code, and
 * decryptFile must leave nothing at the output path (nor a temporary file) when it refuses.
 */
import { expect } from '@jest/globals';
import * as nodeCrypto from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { chunkNonce, encodeHeaderBody, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, Suite } from '@sealpact/protocol';
import { decryptFile } from './filecipher';
import { createDecryptStream, DecryptOptions, EncryptOptions, EncryptStream } from './stream';
import { runCryptoJob } from './crypto-jobs';
import { deriveContainerKeys } from './suites';

const CHUNK = MIN_CHUNK_SIZE;
const AAD = Buffer.from('file-0042');
const HEADER = 80 + AAD.length;

async function seal(plaintext: Buffer, options: EncryptOptions, salt?: Buffer): Promise<Buffer> {
    return Buffer.concat(await Readable.from([plaintext]).pipe(new EncryptStream(options, salt)).toArray());
}

function flipBit(container: Buffer, bit: number): Buffer {
    const copy = Buffer.from(container);
    copy.writeUInt8(copy.readUInt8(bit >> 3) ^ (1 << (bit & 7)), bit >> 3);
    return copy;
}

describe.each<[Suite, number]>([
    ['intl', 16],
    ['gm', 32],
])('tampering with a %s container', (suite, tagLength) => {
    const password = randomBytes(32);
    const options = { suite, password, aad: AAD, chunkSize: CHUNK };
    const wire = CHUNK + tagLength;
    let dir: string;
    /** Three full chunks and a short final one. */
    let container: Buffer;
    /** Two full chunks, the second final. */
    let fullFinal: Buffer;
    const chunkAt = (c: Buffer, index: number) => c.subarray(HEADER + index * wire, HEADER + (index + 1) * wire);
    const header = (c: Buffer) => c.subarray(0, HEADER);

    beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), 'sealpact-tamper-'));
        container = await seal(randomBytes(3 * CHUNK + 500), options);
        fullFinal = await seal(randomBytes(2 * CHUNK), options);
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    /** decryptFile must refuse with `code` and leave only its input in the directory. */
    async function expectRejected(
        input: Buffer,
        code: string,
        decryptOptions: DecryptOptions = { password, aad: AAD },
    ) {
        const inPath = join(dir, 'in.sealpact');
        await writeFile(inPath, input);
        await expect(decryptFile(inPath, join(dir, 'out.bin'), decryptOptions)).rejects.toMatchObject({ code });
        expect(await readdir(dir)).toEqual(['in.sealpact']);
    }

    /** The code a single flipped bit must produce, from the field it lands in (docs/format.md). */
    function codeForFlip(bit: number): string {
        const byte = bit >> 3;
        const flipped = flipBit(container, bit);
        if (byte < 8) return 'BAD_MAGIC';
        if (byte === 8) return 'UNSUPPORTED_VERSION';
        if (byte === 9) return 'UNSUPPORTED_SUITE'; // 1 and 2 differ in two bits
        if (byte < 14) {
            const chunkSize = flipped.readUInt32BE(10);
            return chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE ? 'BAD_HEADER' : 'HEADER_AUTH_FAILED';
        }
        if (byte === 46 || byte === 47) {
            return 80 + flipped.readUInt16BE(46) > flipped.length ? 'TRUNCATED' : 'HEADER_AUTH_FAILED';
        }
        return byte < HEADER ? 'HEADER_AUTH_FAILED' : 'CHUNK_AUTH_FAILED';
    }

    it('decrypts the untouched container (control)', async () => {
        const inPath = join(dir, 'in.sealpact');
        await writeFile(inPath, container);
        await decryptFile(inPath, join(dir, 'out.bin'), { password, aad: AAD });
        expect((await readFile(join(dir, 'out.bin'))).length).toBe(3 * CHUNK + 500);
        await rm(join(dir, 'out.bin'));
    });

    it('refuses every single-bit flip in the header with the code of that field', async () => {
        // In memory, for speed: the file path is exercised by the random flips below.
        for (let bit = 0; bit < HEADER * 8; bit++) {
            const decryptor = createDecryptStream({ password, aad: AAD });
            await expect(
                Readable.from([flipBit(container, bit)])
                    .pipe(decryptor)
                    .toArray(),
            ).rejects.toMatchObject({
                code: codeForFlip(bit),
            });
        }
    });

    it('refuses a single-bit flip anywhere', async () => {
        await fc.assert(
            fc.asyncProperty(fc.integer({ min: 0, max: container.length * 8 - 1 }), async (bit) => {
                await expectRejected(flipBit(container, bit), codeForFlip(bit));
            }),
            { numRuns: 150 },
        );
    });

    it('refuses truncation at every chunk boundary with TRUNCATED', async () => {
        for (let index = 0; index <= 3; index++) {
            await expectRejected(container.subarray(0, HEADER + index * wire), 'TRUNCATED');
        }
        await expectRejected(fullFinal.subarray(0, HEADER + wire), 'TRUNCATED');
    });

    it('refuses truncation anywhere', async () => {
        await fc.assert(
            fc.asyncProperty(fc.integer({ min: 0, max: container.length - 1 }), async (cut) => {
                // Inside the header, or too short to hold a tag: TRUNCATED. Otherwise the partial
                // chunk is opened as the final chunk and fails: a cut inside a chunk cannot be told
                // from an altered final chunk (docs/format.md, "Errors").
                const intoChunk = (cut - HEADER) % wire;
                const code = cut < HEADER || intoChunk < tagLength ? 'TRUNCATED' : 'CHUNK_AUTH_FAILED';
                await expectRejected(container.subarray(0, cut), code);
            }),
            { numRuns: 100 },
        );
    });

    it('refuses reordered, duplicated and dropped chunks', async () => {
        const [c0, c1, c2, last] = [
            chunkAt(container, 0),
            chunkAt(container, 1),
            chunkAt(container, 2),
            chunkAt(container, 3),
        ];
        const cases: [Buffer[], string][] = [
            [[c1, c0, c2, last], 'CHUNK_AUTH_FAILED'],
            [[c0, c2, c1, last], 'CHUNK_AUTH_FAILED'],
            [[c0, c1, last, c2], 'CHUNK_AUTH_FAILED'],
            [[c0, c0, c1, c2, last], 'CHUNK_AUTH_FAILED'],
            [[c0, c1, c2, last, last], 'CHUNK_AUTH_FAILED'],
            [[c1, c2, last], 'CHUNK_AUTH_FAILED'],
            [[c0, c2, last], 'CHUNK_AUTH_FAILED'],
            [[c0, c1, c2], 'TRUNCATED'],
            [[last], 'CHUNK_AUTH_FAILED'],
        ];
        for (const [chunks, code] of cases) {
            await expectRejected(Buffer.concat([header(container), ...chunks]), code);
        }
    });

    it('refuses chunks moved under another header, even one with the same salt and password', async () => {
        const other = await seal(randomBytes(3 * CHUNK + 500), options);
        await expectRejected(Buffer.concat([header(other), container.subarray(HEADER)]), 'CHUNK_AUTH_FAILED');
        // Same salt, different AAD: only the header tag bound into each chunk tells them apart.
        const salt = container.subarray(14, 46);
        const twin = await seal(randomBytes(100), { ...options, aad: 'file-0043' }, salt);
        const twinBody = twin.subarray(80 + 'file-0043'.length);
        await expectRejected(Buffer.concat([header(container), twinBody]), 'CHUNK_AUTH_FAILED');
    });

    it('refuses a changed header field with that field’s code', async () => {
        const edit = (change: (copy: Buffer) => void) => {
            const copy = Buffer.from(container);
            change(copy);
            return copy;
        };
        const cases: [string, Buffer, string][] = [
            ['magic', edit((c) => c.write('SEALPACK', 0, 'ascii')), 'BAD_MAGIC'],
            ['version', edit((c) => (c[8] = 2)), 'UNSUPPORTED_VERSION'],
            ['suite (unknown)', edit((c) => (c[9] = 7)), 'UNSUPPORTED_SUITE'],
            ['suite (the other one)', edit((c) => (c[9] = suite === 'intl' ? 2 : 1)), 'HEADER_AUTH_FAILED'],
            ['chunk size (valid)', edit((c) => c.writeUInt32BE(2 * CHUNK, 10)), 'HEADER_AUTH_FAILED'],
            ['chunk size (too small)', edit((c) => c.writeUInt32BE(16, 10)), 'BAD_HEADER'],
            ['chunk size (too large)', edit((c) => c.writeUInt32BE(0xffffffff, 10)), 'BAD_HEADER'],
            ['salt', edit((c) => randomBytes(32).copy(c, 14)), 'HEADER_AUTH_FAILED'],
            ['AAD length (shorter)', edit((c) => c.writeUInt16BE(AAD.length - 1, 46)), 'HEADER_AUTH_FAILED'],
            ['AAD length (longer)', edit((c) => c.writeUInt16BE(AAD.length + 1, 46)), 'HEADER_AUTH_FAILED'],
            ['AAD length (past the end)', edit((c) => c.writeUInt16BE(0xffff, 46)), 'TRUNCATED'],
            ['AAD', edit((c) => c.write('X', 48, 'ascii')), 'HEADER_AUTH_FAILED'],
            ['header tag', edit((c) => c.writeUInt8(c.readUInt8(HEADER - 1) ^ 0x80, HEADER - 1)), 'HEADER_AUTH_FAILED'],
        ];
        for (const [, input, code] of cases) {
            await expectRejected(input, code);
        }
    });

    it('refuses a wrong password at the header, and a wrong or missing AAD', async () => {
        await expectRejected(container, 'HEADER_AUTH_FAILED', { password: randomBytes(32), aad: AAD });
        await expectRejected(container, 'AAD_MISMATCH', { password, aad: Buffer.from('file-0043') });
        await expectRejected(container, 'AAD_MISMATCH', { password });
    });

    it('refuses trailing data after a full final chunk with TRAILING_DATA', async () => {
        for (const extra of [Buffer.from([0]), randomBytes(tagLength), randomBytes(wire + 5), fullFinal]) {
            await expectRejected(Buffer.concat([fullFinal, extra]), 'TRAILING_DATA');
        }
    });

    it('refuses trailing data after a short final chunk as an altered final chunk', async () => {
        // Without a length field the end of a short final chunk is only known from the end of input.
        await expectRejected(Buffer.concat([container, Buffer.from([0])]), 'CHUNK_AUTH_FAILED');
    });

    it('refuses an empty final chunk after data, which no conforming encoder writes', async () => {
        const salt = randomBytes(32);
        const body = encodeHeaderBody({ suite, chunkSize: CHUNK, salt, aad: AAD });
        const keys = deriveContainerKeys(suite, password, salt);
        const headerTag = keys.headerTag(body);
        const cipher = keys.chunkCipher(headerTag);
        const sealChunk = (index: number, last: boolean, plaintext: Buffer) => {
            const data = Buffer.concat([plaintext, Buffer.alloc(keys.tagLength)]);
            const job = {
                kind: 'seal',
                cipher,
                nonce: chunkNonce(index, last),
                data,
                length: plaintext.length,
            } as const;
            runCryptoJob(nodeCrypto, job);
            return data;
        };
        const full = sealChunk(0, false, randomBytes(CHUNK));
        await expectRejected(
            Buffer.concat([body, headerTag, full, sealChunk(1, true, Buffer.alloc(0))]),
            'EMPTY_FINAL_CHUNK',
        );
        // A short chunk that is not marked final does not end the stream.
        const short = sealChunk(0, false, randomBytes(CHUNK - 1));
        await expectRejected(
            Buffer.concat([body, headerTag, short, sealChunk(1, true, randomBytes(9))]),
            'CHUNK_AUTH_FAILED',
        );
    });

    it('leaves an existing file at the output path untouched when it refuses', async () => {
        const inPath = join(dir, 'in.sealpact');
        const outPath = join(dir, 'out.bin');
        await writeFile(inPath, flipBit(container, (HEADER + 5) * 8));
        await writeFile(outPath, 'previous contents');
        await expect(decryptFile(inPath, outPath, { password, aad: AAD })).rejects.toMatchObject({
            code: 'CHUNK_AUTH_FAILED',
        });
        expect(await readFile(outPath, 'utf8')).toBe('previous contents');
        expect((await readdir(dir)).sort()).toEqual(['in.sealpact', 'out.bin']);
        await rm(outPath);
    });
});

describe('input that is not a container', () => {
    let dir: string;
    beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'sealpact-tamper-'))));
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it.each([
        ['empty input', Buffer.alloc(0), 'TRUNCATED'],
        ['a prefix of the magic', Buffer.from('SEAL'), 'TRUNCATED'],
        ['text', Buffer.from('hello, world\n'), 'BAD_MAGIC'],
        ['a short file with the wrong first byte', Buffer.from('X'), 'BAD_MAGIC'],
        ['a newer version', Buffer.from('SEALPACT\x02'), 'UNSUPPORTED_VERSION'],
        ['an unknown suite', Buffer.from('SEALPACT\x01\x09'), 'UNSUPPORTED_SUITE'],
        ['a zero chunk size', Buffer.from('SEALPACT\x01\x01\x00\x00\x00\x00'), 'BAD_HEADER'],
    ])('refuses %s', async (_label, input, code) => {
        const inPath = join(dir, 'in');
        await writeFile(inPath, input);
        await expect(decryptFile(inPath, join(dir, 'out'), { password: randomBytes(32) })).rejects.toMatchObject({
            code,
        });
        expect(await readdir(dir)).toEqual(['in']);
    });

    it.each([
        ['version 123', Buffer.from('SEALPACT\x7b'), 'UNSUPPORTED_VERSION', '(header byte 8)'],
        ['suite 123', Buffer.from('SEALPACT\x01\x7b'), 'UNSUPPORTED_SUITE', '(header byte 9)'],
        ['chunk size 123', Buffer.from('SEALPACT\x01\x01\x00\x00\x00\x7b'), 'BAD_HEADER', '(header bytes 10..13)'],
    ])('names the header field of %s and its offset, never its value', async (_label, input, code, field) => {
        const inPath = join(dir, 'in');
        await writeFile(inPath, input);
        const refused = decryptFile(inPath, join(dir, 'out'), { password: randomBytes(32) });
        await expect(refused).rejects.toMatchObject({ code, message: expect.stringContaining(field) });
        await expect(refused).rejects.toMatchObject({ message: expect.not.stringContaining('123') });
    });
});
