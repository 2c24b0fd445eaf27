import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '@sealpact/protocol';
import { decryptFile, encryptFile } from '../../client/src/crypto/filecipher';
import { expectRejection } from '../../protocol/src/test-support/expect-error';
import { concat, decryptContainer, encryptContainer, treeDigest } from './container';

// The browser's container code runs here on Node's WebCrypto (the same API as the browser's) and
// must read and write exactly what the Node SDK does.

const dir = mkdtempSync(join(tmpdir(), 'sealpact-web-container-'));
const password = randomBytes(32);
const aad = 'f-0123456789abcdef01234567';
const none = () => undefined;

describe('the browser container (intl)', () => {
    it.each([0, 17, DEFAULT_CHUNK_SIZE, 2 * DEFAULT_CHUNK_SIZE + 5])(
        'of %i bytes is read by the Node SDK, with the same tree digest',
        async (length) => {
            const plaintext = randomBytes(length);
            const parts = await encryptContainer(plaintext, password, aad, none);
            const container = join(dir, `browser-${length}`);
            writeFileSync(container, concat(parts));
            const out = join(dir, `browser-${length}.out`);
            const info = await decryptFile(container, out, { password, aad });
            expect(readFileSync(out).equals(plaintext)).toBe(true);
            expect(await treeDigest(parts)).toBe(info.digest);
        },
    );

    it('reads what the Node SDK writes', async () => {
        const plaintext = randomBytes(DEFAULT_CHUNK_SIZE + 3);
        const input = join(dir, 'node-in');
        const container = join(dir, 'node-container');
        writeFileSync(input, plaintext);
        const info = await encryptFile(input, container, { suite: 'intl', password, aad });
        const bytes = readFileSync(container);
        expect(Buffer.from(await decryptContainer(bytes, password, aad, none)).equals(plaintext)).toBe(true);
        expect(await treeDigest([bytes])).toBe(info.digest);
    });

    it('refuses what the format refuses, with its codes', async () => {
        const plaintext = randomBytes(DEFAULT_CHUNK_SIZE + 3);
        const container = concat(await encryptContainer(plaintext, password, aad, none));
        const flipped = Uint8Array.from(container, (byte, i) => (i === container.length - 1 ? byte ^ 1 : byte));
        await expectRejection(decryptContainer(flipped, password, aad, none), 'CHUNK_AUTH_FAILED', 'chunk 1');
        await expectRejection(
            decryptContainer(container, randomBytes(32), aad, none),
            'HEADER_AUTH_FAILED',
            'wrong file password',
        );
        await expectRejection(
            decryptContainer(container, password, 'f-other', none),
            'AAD_MISMATCH',
            'other associated data',
        );
        const headerLength = 80 + aad.length;
        const firstChunkOnly = container.subarray(0, headerLength + DEFAULT_CHUNK_SIZE + 16);
        await expectRejection(
            decryptContainer(firstChunkOnly, password, aad, none),
            'TRUNCATED',
            'not the final chunk',
        );
        await expectRejection(decryptContainer(container.subarray(0, 40), password, aad, none), 'TRUNCATED', 'header');
    });
});
