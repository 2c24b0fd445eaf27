/**
 * Fuzz suite: the container header parser and the streaming decoder (docs/format.md). Seeds are
 * real containers (the worked example and fresh multi-chunk ones of both suites); mutated copies
 * must always be refused with a decoder code, and a refused decryptToFile leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { equalBytes, MIN_CHUNK_SIZE, parseHeader, Suite } from '@sealpact/protocol';
import {
    attempt,
    attemptAsync,
    FUZZ_TIMEOUT_MS,
    fuzz,
    mutationsOf,
    REFUSED,
} from '../../../chaincode/src/test-support/fuzz';
import { defined } from '../../../protocol/src/test-support/defined';
import { decryptToFile } from './filecipher';
import { createDecryptStream, createEncryptStream } from './stream';

jest.setTimeout(FUZZ_TIMEOUT_MS);

const DECRYPT_CODES = [
    'BAD_MAGIC',
    'UNSUPPORTED_VERSION',
    'UNSUPPORTED_SUITE',
    'BAD_HEADER',
    'HEADER_AUTH_FAILED',
    'AAD_MISMATCH',
    'CHUNK_AUTH_FAILED',
    'TRUNCATED',
    'TRAILING_DATA',
    'EMPTY_FINAL_CHUNK',
] as const;

interface Seed {
    container: Buffer;
    password: Buffer;
    aad: Buffer;
    plaintext: Buffer;
}

/** `bytes` cut into pieces of the given sizes (cycled), as a stream delivers them. */
function piecesOf(bytes: Buffer, sizes: number[]): Buffer[] {
    const pieces: Buffer[] = [];
    for (let offset = 0, i = 0; offset < bytes.length; i++) {
        const size = defined(sizes[i % sizes.length], 'a piece size');
        pieces.push(bytes.subarray(offset, offset + size));
        offset += size;
    }
    return pieces;
}

async function decrypt(container: Buffer, seed: Seed, sizes: number[]): Promise<Buffer> {
    const decryptor = createDecryptStream({ password: seed.password, aad: seed.aad });
    return Buffer.concat(await Readable.from(piecesOf(container, sizes)).pipe(decryptor).toArray());
}

async function encrypt(suite: Suite, plaintext: Buffer): Promise<Seed> {
    const password = randomBytes(32);
    const aad = Buffer.from('file-fuzz');
    const encryptor = createEncryptStream({ suite, password: Buffer.from(password), aad, chunkSize: MIN_CHUNK_SIZE });
    const container = Buffer.concat(await Readable.from([plaintext]).pipe(encryptor).toArray());
    return { container, password, aad, plaintext };
}

const seeds: Seed[] = [];
const seedIndex = () => fc.nat({ max: seeds.length - 1 });
const seedAt = (i: number): Seed => defined(seeds[i], `seed ${i}`);
const readSizes = fc.array(fc.integer({ min: 1, max: 3 * MIN_CHUNK_SIZE }), { minLength: 1, maxLength: 4 });
let dir: string;

beforeAll(async () => {
    const example = JSON.parse(readFileSync(join(__dirname, 'testdata', 'format-example.json'), 'utf8')) as {
        password: string;
        aad: string;
        plaintext: string;
        suites: Record<Suite, { container: string }>;
    };
    for (const suite of ['intl', 'gm'] as const) {
        seeds.push({
            container: Buffer.from(example.suites[suite].container, 'hex'),
            password: Buffer.from(example.password, 'hex'),
            aad: Buffer.from(example.aad),
            plaintext: Buffer.from(example.plaintext),
        });
        // Several chunks, so that damage late in the input comes after plaintext was released.
        seeds.push(await encrypt(suite, randomBytes(2 * MIN_CHUNK_SIZE + 300)));
        seeds.push(await encrypt(suite, Buffer.alloc(0)));
    }
    dir = await mkdtemp(join(tmpdir(), 'sealpact-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('the seeds decrypt, however the input is cut into pieces (control)', async () => {
    await fuzz(
        fc.asyncProperty(seedIndex(), readSizes, async (i, sizes) => {
            expect((await decrypt(seedAt(i).container, seedAt(i), sizes)).equals(seedAt(i).plaintext)).toBe(true);
        }),
        50,
    );
});

test('a mutated container never decrypts: every failure is a decoder refusal', async () => {
    await fuzz(
        fc.asyncProperty(
            seedIndex().chain((i) => fc.tuple(fc.constant(i), mutationsOf(seedAt(i).container))),
            readSizes,
            async ([i, mutated], sizes) => {
                expect(await attemptAsync(() => decrypt(mutated, seedAt(i), sizes), DECRYPT_CODES)).toBe(REFUSED);
            },
        ),
        1000,
    );
});

test('arbitrary bytes, with or without a valid start of header, never decrypt', async () => {
    const start = fc.constantFrom('', 'SEALPACT', 'SEALPACT\x01\x01', 'SEALPACT\x01\x02\x00\x00\x04\x00');
    await fuzz(
        fc.asyncProperty(start, fc.uint8Array({ maxLength: 3000 }), seedIndex(), async (prefix, bytes, i) => {
            const input = Buffer.concat([Buffer.from(prefix, 'latin1'), bytes]);
            expect(await attemptAsync(() => decrypt(input, seedAt(i), [input.length || 1]), DECRYPT_CODES)).toBe(
                REFUSED,
            );
        }),
        500,
    );
});

test('parseHeader returns a header, asks for more bytes, or refuses', () => {
    const headerCodes = ['BAD_MAGIC', 'UNSUPPORTED_VERSION', 'UNSUPPORTED_SUITE', 'BAD_HEADER'] as const;
    const input = fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
        seedIndex().chain((i) => mutationsOf(seedAt(i).container.subarray(0, 120))),
    );
    fuzz(
        fc.property(input, (bytes) => {
            const parsed = attempt(() => parseHeader(bytes), headerCodes);
            if (parsed === REFUSED || parsed === undefined) {
                return true;
            }
            // What it returns is what the bytes say (docs/format.md, Header).
            return (
                parsed.length === 80 + parsed.header.aad.length &&
                equalBytes(parsed.body, bytes.subarray(0, parsed.length - 32)) &&
                equalBytes(parsed.tag, bytes.subarray(parsed.length - 32, parsed.length))
            );
        }),
        3000,
    );
});

test('a refused decryptToFile leaves no file behind, not even a temporary one', async () => {
    await fuzz(
        fc.asyncProperty(
            seedIndex().chain((i) => fc.tuple(fc.constant(i), mutationsOf(seedAt(i).container))),
            readSizes,
            async ([i, mutated], sizes) => {
                const out = join(dir, 'out.bin');
                const refused = await attemptAsync(
                    () =>
                        decryptToFile(Readable.from(piecesOf(mutated, sizes)), out, {
                            password: seedAt(i).password,
                            aad: seedAt(i).aad,
                        }),
                    DECRYPT_CODES,
                );
                expect(refused).toBe(REFUSED);
                expect(await readdir(dir)).toEqual([]);
            },
        ),
        150,
    );
});
