import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { chunkNonce, DEFAULT_CHUNK_SIZE, Suite, SUITE_CIPHERTEXT_DIGEST } from '@sealpact/protocol';
import { decryptFile, encryptFile } from '../../client/src/crypto/filecipher';
import { expectRejection } from '../../protocol/src/test-support/expect-error';
import { blobPieces } from './byte-reader';
import { containerSize, decryptContainer, encryptContainer } from './container';
import { sm4Ctr } from './sm4-ctr';
import { TreeDigest } from './tree-digest';

// The browser's container code runs here on Node's WebCrypto (the same API as the browser's) and
// must read and write exactly what the Node SDK does, in both suites, fed in pieces of any size.

const dir = mkdtempSync(join(tmpdir(), 'sealpact-web-container-'));
const password = randomBytes(32);
const aad = 'f-0123456789abcdef01234567';
const SUITES: Suite[] = ['intl', 'gm'];

interface Tree {
    root: string;
}
/** The worked examples of docs/format.md, as the SDK's own format test reads them. */
const example = JSON.parse(
    readFileSync(join(__dirname, '../../client/src/crypto/testdata/format-example.json'), 'utf8'),
) as {
    password: string;
    aad: string;
    plaintext: string;
    suites: Record<
        Suite,
        { container: string; digestTree: Tree; keys: Record<string, string>; chunk0: Record<string, string> }
    >;
    treeExample: { length: number; modulus: number; sha256: Tree; sm3: Tree };
};

/** `bytes` as a stream of pieces of `size` bytes: no piece lines up with a chunk or a segment. */
function piecesOf(bytes: Uint8Array, size = 100_003): AsyncIterable<Uint8Array> {
    const pieces: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.length; offset += size) pieces.push(bytes.subarray(offset, offset + size));
    return Readable.from(pieces);
}

async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const out: Uint8Array[] = [];
    for await (const piece of pieces) out.push(piece);
    return Buffer.concat(out);
}

const encrypt = (plaintext: Uint8Array, suite: Suite) =>
    collect(encryptContainer(piecesOf(plaintext), password, aad, suite));
const decrypt = (container: Uint8Array, key: Uint8Array = password, expected = aad) =>
    collect(decryptContainer(piecesOf(container), key, expected));

async function treeDigest(bytes: Uint8Array, suite: Suite, pieceSize?: number): Promise<string> {
    const digest = new TreeDigest(SUITE_CIPHERTEXT_DIGEST[suite]);
    for await (const piece of piecesOf(bytes, pieceSize)) await digest.update(piece);
    return digest.digest();
}

describe.each(SUITES)('the browser container (%s)', (suite) => {
    it.each([0, 17, DEFAULT_CHUNK_SIZE, 2 * DEFAULT_CHUNK_SIZE + 5])(
        'of %i bytes is read by the Node SDK, with the same tree digest and the predicted size',
        async (length) => {
            const plaintext = randomBytes(length);
            const container = await encrypt(plaintext, suite);
            expect(container.length).toBe(containerSize(length, suite, aad));
            const path = join(dir, `browser-${suite}-${length}`);
            writeFileSync(path, container);
            const out = `${path}.out`;
            const info = await decryptFile(path, out, { password, aad });
            expect(info.suite).toBe(suite);
            expect(readFileSync(out).equals(plaintext)).toBe(true);
            expect(await treeDigest(container, suite)).toBe(info.digest);
        },
    );

    it('reads what the Node SDK writes, with the same tree digest', async () => {
        const plaintext = randomBytes(DEFAULT_CHUNK_SIZE + 3);
        const input = join(dir, `node-in-${suite}`);
        const container = join(dir, `node-container-${suite}`);
        writeFileSync(input, plaintext);
        const info = await encryptFile(input, container, { suite, password, aad });
        const bytes = readFileSync(container);
        expect((await decrypt(bytes)).equals(plaintext)).toBe(true);
        expect(await treeDigest(bytes, suite, 4096)).toBe(info.digest);
    });

    it('opens the worked example of docs/format.md, with its documented tree digest', async () => {
        const documented = example.suites[suite];
        const container = Buffer.from(documented.container, 'hex');
        const opened = await collect(
            decryptContainer(piecesOf(container, 7), Buffer.from(example.password, 'hex'), example.aad),
        );
        expect(opened.toString('utf8')).toBe(example.plaintext);
        expect(await treeDigest(container, suite)).toBe(documented.digestTree.root);
    });

    it('refuses what the format refuses, with its codes', async () => {
        const container = await encrypt(randomBytes(DEFAULT_CHUNK_SIZE + 3), suite);
        const flipped = Buffer.from(container);
        flipped[flipped.length - 1] ^= 1;
        await expectRejection(decrypt(flipped), 'CHUNK_AUTH_FAILED', 'chunk 1');
        await expectRejection(decrypt(container, randomBytes(32)), 'HEADER_AUTH_FAILED', 'wrong file password');
        await expectRejection(decrypt(container, password, 'f-other'), 'AAD_MISMATCH', 'other associated data');
        const tagLength = suite === 'intl' ? 16 : 32;
        const headerLength = 80 + aad.length;
        const firstChunkOnly = container.subarray(0, headerLength + DEFAULT_CHUNK_SIZE + tagLength);
        await expectRejection(decrypt(firstChunkOnly), 'TRUNCATED', 'not the final chunk');
        await expectRejection(decrypt(container.subarray(0, 40)), 'TRUNCATED', 'header');
        await expectRejection(decrypt(container.subarray(0, headerLength + 3)), 'TRUNCATED', 'before the final');
    });

    it('refuses data after an authentic final chunk (TRAILING_DATA) and a header of another kind', async () => {
        const whole = await encrypt(randomBytes(DEFAULT_CHUNK_SIZE), suite);
        await expectRejection(decrypt(Buffer.concat([whole, Buffer.from([0])])), 'TRAILING_DATA', 'chunk 0');
        const unknownSuite = Buffer.from(whole);
        unknownSuite[9] = 3;
        await expectRejection(decrypt(unknownSuite), 'UNSUPPORTED_SUITE', 'header byte 9');
        await expectRejection(decrypt(Buffer.from('SEALPAC!')), 'BAD_MAGIC', 'bad magic');
    });

    it('reads its plaintext no further ahead than the chunk it seals', async () => {
        let pulled = 0;
        const counted: AsyncIterable<Uint8Array> = {
            [Symbol.asyncIterator]: () => ({
                next: () => {
                    pulled += 65536;
                    return Promise.resolve({ done: false, value: new Uint8Array(65536) });
                },
            }),
        };
        const sealed = encryptContainer(counted, password, aad, suite, 262144);
        await sealed.next(); // the header
        await sealed.next(); // chunk 0: its 4 pieces and one more to know it is not the last
        expect(pulled).toBe(5 * 65536);
        await sealed.return(undefined);
    });
});

describe('a file read from a Blob', () => {
    it('is read in order, slice by slice, into a container that opens to the same bytes', async () => {
        const plaintext = randomBytes(2 * DEFAULT_CHUNK_SIZE + 1234);
        const container = await collect(encryptContainer(blobPieces(new Blob([plaintext])), password, aad, 'intl'));
        expect((await decrypt(container)).equals(plaintext)).toBe(true);
    });
});

describe('SM4-CTR on sm-crypto-v2 SM4', () => {
    const key = randomBytes(16);
    const openssl = (counter: Buffer, data: Buffer) => createCipheriv('sm4-ctr', key, counter).update(data);

    it.each([0, 1, 16, 31, 4096 + 7])('equals OpenSSL sm4-ctr on %i bytes from a chunk counter block', (length) => {
        const counter = Buffer.concat([chunkNonce(5, false), Buffer.alloc(4)]);
        const data = randomBytes(length);
        expect(Buffer.from(sm4Ctr(key, counter, data)).equals(openssl(counter, data))).toBe(true);
    });

    it.each(['000000000000000000000001fffffffd', 'ffffffffffffffffffffffffffffffff'])(
        'carries as OpenSSL does from counter block %s (past the 32-bit boundary, and 2^128)',
        (start) => {
            const counter = Buffer.from(start, 'hex');
            const data = randomBytes(16 * 6 + 5);
            expect(Buffer.from(sm4Ctr(key, counter, data)).equals(openssl(counter, data))).toBe(true);
        },
    );

    it("gives the gm chunk of docs/format.md's worked example", () => {
        const gm = example.suites.gm;
        const counter = Buffer.concat([Buffer.from(gm.chunk0.nonce ?? '', 'hex'), Buffer.alloc(4)]);
        const ciphertext = sm4Ctr(
            Buffer.from(gm.keys['payload-sm4'] ?? '', 'hex'),
            counter,
            Buffer.from(example.plaintext),
        );
        expect(Buffer.from(ciphertext).toString('hex')).toBe(gm.chunk0.ciphertext);
    });
});

describe('the tree digest as bytes pass', () => {
    const tree = example.treeExample;
    const bytes = Uint8Array.from({ length: tree.length }, (_, i) => i % tree.modulus);

    it.each(SUITES)('gives the multi-segment known answer of docs/format.md (%s)', async (suite) => {
        const documented = suite === 'intl' ? tree.sha256 : tree.sm3;
        expect(await treeDigest(bytes, suite)).toBe(documented.root);
        expect(await treeDigest(bytes, suite, 1 << 20)).toBe(documented.root);
    });

    it('refuses a second digest (WRONG_STATE)', async () => {
        const digest = new TreeDigest('sha256-tree');
        await digest.digest();
        await expectRejection(digest.digest(), 'WRONG_STATE', 'already finished');
    });
});
