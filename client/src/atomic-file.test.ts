import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectRejection } from './test-support/expect-error';
import { writeBufferAtomically, writeFileAtomically } from './atomic-file';

/**
 * Where the output path is a character device or a pipe, it is written to, never replaced: a
 * temporary file renamed onto /dev/null used to make /dev/null a regular file when run as root.
 */

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sealpact-atomic-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomically on what is not a regular file', () => {
    it('writes into /dev/null, which stays a character device (also as root)', async () => {
        await writeBufferAtomically('/dev/null', Buffer.from('discarded'));
        await writeFileAtomically('/dev/null', async (sink) => {
            sink.end('streamed and discarded');
            await new Promise((resolve) => sink.once('finish', resolve));
        });
        expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
        expect(readFileSync('/dev/null')).toHaveLength(0);
    });

    it('writes into a named pipe for its reader, and leaves the pipe and its folder as they were', async () => {
        const fifo = join(dir, 'out.fifo');
        execFileSync('mkfifo', [fifo]);
        const read = new Promise<Buffer>((resolve, reject) => {
            const chunks: Buffer[] = [];
            createReadStream(fifo)
                .on('data', (chunk) => chunks.push(chunk as Buffer))
                .on('end', () => resolve(Buffer.concat(chunks)))
                .on('error', reject);
        });
        await writeBufferAtomically(fifo, Buffer.from('through the pipe'));
        expect((await read).toString()).toBe('through the pipe');
        expect(statSync(fifo).isFIFO()).toBe(true);
        expect(readdirSync(dir)).toEqual(['out.fifo']);
    });

    it('refuses a folder at the path with IO_ERROR, and writes nothing', async () => {
        const folder = join(dir, 'a-folder');
        mkdirSync(folder);
        await expectRejection(
            writeBufferAtomically(folder, Buffer.from('x')),
            'IO_ERROR',
            `${folder} is not a regular file, a character device or a pipe`,
        );
        expect(readdirSync(dir)).toEqual(['a-folder']);
        expect(readdirSync(folder)).toEqual([]);
    });
});
