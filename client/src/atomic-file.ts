import { randomBytes } from 'node:crypto';
import {
    close as closeCallback,
    createWriteStream,
    fsync as fsyncCallback,
    open as openCallback,
    openSync,
    Stats,
    unlinkSync,
} from 'node:fs';
import { link, lstat, realpath, rename, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
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

const open = promisify(openCallback) as (path: string, flags: string) => Promise<number>;
const fsync = promisify(fsyncCallback);
const close = promisify(closeCallback);

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
 * so a failed decryption never leaves plaintext behind and a crash never leaves half a key. What
 * is not a regular file is written directly instead (see {@link writeOutputFile}).
 *
 * @throws SealpactError FILE_EXISTS (overwrite: false), IO_ERROR, or whatever `produce` throws
 */
export async function writeFileAtomically(
    path: string,
    produce: (sink: Writable) => Promise<void>,
    options: AtomicWriteOptions = {},
): Promise<void> {
    const target = await regularTarget(path);
    if (target === undefined) {
        return writeStreamDevice(path, produce);
    }
    await withTemporaryFile(path, target, options, async (tempPath, fd) => {
        // flush: the descriptor is fsynced before it closes, so the rename never exposes unwritten data.
        const sink = createWriteStream(tempPath, { fd, flush: true });
        try {
            await produce(sink);
            if (!sink.closed) {
                await once(sink, 'close');
            }
        } catch (err) {
            sink.destroy(); // it closes the descriptor once a write in progress is done
            throw err;
        }
    });
}

/**
 * Like {@link writeFileAtomically}, for a writer that wants the file descriptor itself (large
 * writes from buffers it reuses, with no stream between): `produce` writes through `fd` and must
 * have no write in progress when it settles; a regular file is then fsynced once, closed and
 * renamed into place. Output to a character device or a FIFO (/dev/null, a terminal, a named
 * pipe, /dev/stdout when it is one) is written directly, never replaced, and not fsynced: nothing
 * there can appear "whole or not at all", and a reader sees the bytes as they are produced.
 *
 * @throws SealpactError FILE_EXISTS (overwrite: false), IO_ERROR, or whatever `produce` throws
 */
export async function writeOutputFile(
    path: string,
    produce: (fd: number) => Promise<void>,
    options: AtomicWriteOptions = {},
): Promise<void> {
    const target = await regularTarget(path);
    if (target === undefined) {
        let fd: number;
        try {
            fd = await open(path, 'w');
        } catch (err) {
            throw ioError(err, path);
        }
        return closeAfter(fd, () => produce(fd)).catch((err: unknown) => {
            throw ioError(err, path);
        });
    }
    await withTemporaryFile(path, target, options, (_tempPath, fd) =>
        closeAfter(fd, async () => {
            await produce(fd);
            await fsync(fd);
        }),
    );
}

/**
 * Run `write` on a new private temporary file beside `target`, which `write` leaves closed; then
 * put it in place. On failure the temporary file is removed and `target` is untouched.
 */
async function withTemporaryFile(
    path: string,
    target: string,
    options: AtomicWriteOptions,
    write: (tempPath: string, fd: number) => Promise<void>,
): Promise<void> {
    // Same folder, so the rename is atomic; a random name, so concurrent writers never collide.
    const tempPath = join(dirname(target), `.${basename(target)}.${randomBytes(8).toString('hex')}.partial`);
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
    try {
        await write(tempPath, fd);
        if (options.overwrite === false) {
            await link(tempPath, target);
            await rm(tempPath);
        } else {
            await rename(tempPath, target);
        }
    } catch (err) {
        await rm(tempPath, { force: true });
        throw ioError(err, path);
    } finally {
        unfinished.delete(tempPath);
    }
}

/** Run `use`, then close `fd` however it ended (a failure to close counts only after a success). */
async function closeAfter(fd: number, use: () => Promise<void>): Promise<void> {
    try {
        await use();
    } catch (err) {
        await close(fd).catch(() => undefined);
        throw err;
    }
    await close(fd);
}

/**
 * The regular file to replace for `path`, or undefined when `path` is a character device or a
 * FIFO, which is written directly: renaming a file onto it would replace the device itself (as
 * root, /dev/null became a regular file). A symbolic link to a regular file (/dev/stdout redirected
 * to a file) has the file replaced, never the link; one whose file cannot be named is written
 * through. Nothing at the path yet means a new file there. A folder or block device is refused.
 */
async function regularTarget(path: string): Promise<string | undefined> {
    let info: Stats;
    try {
        info = await stat(path);
    } catch {
        return path; // nothing there yet (or unreachable, which the open will report): a new file
    }
    if (info.isCharacterDevice() || info.isFIFO() || info.isSocket()) {
        return undefined; // a socket opens only where the system allows it (not through /proc/self/fd)
    }
    if (!info.isFile()) {
        throw new ClientError('IO_ERROR', `${path} is not a regular file, a character device or a pipe`);
    }
    if (!(await lstat(path)).isSymbolicLink()) {
        return path;
    }
    const target = await realpath(path).catch(() => undefined);
    const found = target === undefined ? undefined : await stat(target).catch(() => undefined);
    return found?.ino === info.ino && found.dev === info.dev ? target : undefined;
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
