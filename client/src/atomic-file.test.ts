import { execFileSync } from 'node:child_process';
import {
    createReadStream,
    lstatSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    rmSync,
    statSync,
    symlinkSync,
    write,
    writeFileSync,
} from 'node:fs';
import { ClientError } from '@sealpact/protocol';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectRejection } from '../../protocol/src/test-support/expect-error';
import { writeBufferAtomically, writeFileAtomically, writeOutputFile } from './atomic-file';

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

describe('writeOutputFile', () => {
    /** Write `text` through the descriptor. */
    const writing = (text: string) => (fd: number) =>
        new Promise<void>((resolve, reject) => {
            write(fd, text, (err) => (err ? reject(err) : resolve()));
        });

    it('replaces a regular file only once the writer succeeded, and leaves no temporary file', async () => {
        const path = join(dir, 'out.bin');
        writeFileSync(path, 'before');
        await expectRejection(
            writeOutputFile(path, async (fd) => {
                await writing('half of it')(fd);
                throw new ClientError('IO_ERROR', 'the writer failed');
            }),
            'IO_ERROR',
            'the writer failed',
        );
        expect(readFileSync(path, 'utf8')).toBe('before');
        await writeOutputFile(path, writing('after'));
        expect(readFileSync(path, 'utf8')).toBe('after');
        expect(statSync(path).mode & 0o777).toBe(0o600);
        expect(readdirSync(dir)).toEqual(['out.bin']);
    });

    it('writes into /dev/null directly, which stays a character device (also as root)', async () => {
        await writeOutputFile('/dev/null', writing('discarded'));
        expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    });

    it('replaces the regular file behind a symbolic link, never the link (/dev/stdout redirected to a file)', async () => {
        const file = join(dir, 'target.txt');
        const link = join(dir, 'link');
        writeFileSync(file, 'before');
        symlinkSync(file, link);
        await writeOutputFile(link, writing('through the link'));
        expect(lstatSync(link).isSymbolicLink()).toBe(true);
        expect(readFileSync(file, 'utf8')).toBe('through the link');
        expect(readdirSync(dir).sort()).toEqual(['link', 'target.txt']);
    });

    it('writes through /dev/stdout when it is a pipe, leaving /dev/stdout as it was', () => {
        const script = `
            const { writeOutputFile } = require(${JSON.stringify(join(__dirname, 'atomic-file.ts'))});
            const { write } = require('node:fs');
            writeOutputFile('/dev/stdout', (fd) => new Promise((resolve, reject) => write(fd, 'to the pipe', (e) => (e ? reject(e) : resolve()))));`;
        const hook = join(__dirname, 'test-support', 'register-ts.js');
        const before = lstatSync('/dev/stdout');
        // Through `| cat`, so that stdout is a pipe (node's own 'pipe' stdio is a socket).
        const command = `${process.execPath} -r ${hook} -e "$SCRIPT" | cat`;
        const out = execFileSync('sh', ['-c', command], { env: { ...process.env, SCRIPT: script } });
        expect(out.toString()).toBe('to the pipe');
        const after = lstatSync('/dev/stdout');
        expect([after.isSymbolicLink(), after.ino]).toEqual([before.isSymbolicLink(), before.ino]);
    });

    it('refuses a folder at the path with IO_ERROR', async () => {
        await expectRejection(
            writeOutputFile(dir, writing('x')),
            'IO_ERROR',
            `${dir} is not a regular file, a character device or a pipe`,
        );
    });
});
