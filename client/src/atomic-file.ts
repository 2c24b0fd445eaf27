import { randomBytes } from 'node:crypto';
import { createWriteStream, openSync, Stats, unlinkSync } from 'node:fs';
import { link, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { ClientError, SealpactError } from '@sealpact/protocol';

export interface AtomicWriteOptions {
    /** Permission bits of the new file; 0600 unless the content is public. */
    mode?: number;
    /** Replace a file already at the path (default). When false an existing file is an error and stays as it was. */
    overwrite?: boolean;
}

/** Temporary files being written now: the ones a signal handler must remove. */
const unfinished = new Set<string>();

/**
 * Remove every temporary file still being written, synchronously, for a SIGINT/SIGTERM/SIGHUP
 * handler that exits next: a process stopped mid-decryption must not leave plaintext behind (the
 * CLI installs such handlers; an SDK caller that handles signals itself should call this).
 * Only SIGKILL or a crash can still leave a `.partial` file.
 */
export function removeUnfinishedFilesSync(): void {
    for (const path of unfinished) {
        try {
            unlinkSync(path);
        } catch {
            // Already renamed into place or removed.
        }
    }
    unfinished.clear();
}

/**
 * Write a file so that it appears whole or not at all: `produce` writes into a new temporary file
 * in the destination's folder, which is fsynced and closed, then renamed onto (or, with overwrite: false,
 * hard-linked to) the path. On any failure the temporary file is removed and the path is untouched,
 * so a failed decryption never leaves plaintext behind and a crash never leaves half a key. A
 * character device or FIFO at the path (/dev/null, a terminal, a pipe) is written directly instead.
 *
 * @throws SealpactError FILE_EXISTS (overwrite: false), IO_ERROR, or whatever `produce` throws
 */
export async function writeFileAtomically(
    path: string,
    produce: (sink: Writable) => Promise<void>,
    options: AtomicWriteOptions = {},
): Promise<void> {
    if (await isStreamDevice(path)) {
        return writeStreamDevice(path, produce);
    }
    // Same folder, so the rename is atomic; a random name, so concurrent writers never collide.
    const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.partial`);
    // Created synchronously, on the thread that runs signal handlers, so the file never exists
    // unregistered. (An unnamed O_TMPFILE linked in when complete would be neater, but Node's
    // fs.link cannot link a /proc/self/fd path: it calls link(2), not linkat with AT_SYMLINK_FOLLOW.)
    let fd: number;
    try {
        fd = openSync(tempPath, 'wx', options.mode ?? 0o600);
    } catch (err) {
        throw ioError(err, path);
    }
    unfinished.add(tempPath);
    // flush: the descriptor is fsynced before it closes, so the rename never exposes unwritten data.
    const sink = createWriteStream(tempPath, { fd, flush: true });
    try {
        await produce(sink);
        if (!sink.closed) {
            await once(sink, 'close');
        }
        if (options.overwrite === false) {
            await link(tempPath, path);
            await rm(tempPath);
        } else {
            await rename(tempPath, path);
        }
    } catch (err) {
        sink.destroy();
        await rm(tempPath, { force: true });
        throw ioError(err, path);
    } finally {
        unfinished.delete(tempPath);
    }
}

/**
 * Whether `path` (followed through symlinks) is a character device or a FIFO (/dev/null, a
 * terminal, a named pipe): written to directly, since renaming a file onto it would replace the
 * device itself (as root, /dev/null became a regular file). Nothing there can appear "whole or not
 * at all"; a reader sees the bytes as they are produced. A folder or block device is refused.
 */
async function isStreamDevice(path: string): Promise<boolean> {
    let info: Stats;
    try {
        info = await stat(path);
    } catch {
        return false; // nothing there yet: a new regular file
    }
    if (info.isCharacterDevice() || info.isFIFO()) {
        return true;
    }
    if (!info.isFile()) {
        throw new ClientError('IO_ERROR', `${path} is not a regular file, a character device or a pipe`);
    }
    return false;
}

async function writeStreamDevice(path: string, produce: (sink: Writable) => Promise<void>): Promise<void> {
    const sink = createWriteStream(path, { flags: 'w' });
    try {
        await once(sink, 'open');
        await produce(sink);
        if (!sink.closed) {
            await once(sink, 'close');
        }
    } catch (err) {
        sink.destroy();
        throw ioError(err, path);
    }
}

/** Write a whole buffer atomically; see {@link writeFileAtomically}. */
export function writeBufferAtomically(path: string, data: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
    return writeFileAtomically(
        path,
        (sink) =>
            new Promise<void>((resolve, reject) => {
                sink.on('error', reject);
                sink.end(data, resolve);
            }),
        options,
    );
}

/** File system failures become FILE_EXISTS or IO_ERROR naming the path; Sealpact errors pass through. */
export function ioError(err: unknown, path: string): SealpactError {
    if (err instanceof SealpactError) {
        return err;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
        return new ClientError('FILE_EXISTS', `${path} already exists; refusing to overwrite it`);
    }
    if (code === 'ENOENT') {
        return new ClientError('FILE_NOT_FOUND', `${path}: no such file or folder`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
        return new ClientError('IO_ERROR', `${path}: permission denied`);
    }
    return new ClientError('IO_ERROR', `${path}: ${(err as Error).message}`);
}
