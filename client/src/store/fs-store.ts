/**
 * The default store: a content-addressed folder.
 *
 * ```
 * <root>/<alg>/<first two hex digits>/<digest>    complete objects, read-only (0440)
 * <root>/tmp/                                     uploads in progress (never listed)
 * ```
 *
 * An upload is written to tmp/ by writeFileAtomically (fsynced, removed on failure), hashed on the
 * way, then renamed to its digest's name and the folder fsynced. Rename within one file system is
 * atomic, so an object is either absent or whole.
 */
import { randomBytes } from 'node:crypto';
import { opendir, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CIPHERTEXT_DIGEST_ALGORITHMS } from '@sealpact/protocol';
import { ioError, writeFileAtomically } from '../atomic-file';
import type { BlobSource, BlobStore, ListedBlob, PutInfo, StoredBlob } from './blob-store';
import { hashWhileReading, verifyingReader } from './digest';
import { blobNotFound, formatLocator, locatorOfKey, objectKey, parseLocator, type Locator } from './locator';
import { formatStoreUri } from './store-uri';

/** Objects never change once stored; group read lets parties sharing the folder through a group read them. */
const OBJECT_MODE = 0o440;
const TEMP_FOLDER = 'tmp';

/** A {@link BlobStore} in a local (or mounted) folder. */
export class FsBlobStore implements BlobStore {
    readonly uri: string;

    /** @param root absolute path of the store's folder; created on the first put. */
    constructor(readonly root: string) {
        this.uri = formatStoreUri({ kind: 'fs', root });
    }

    async put(source: BlobSource, info: PutInfo): Promise<StoredBlob> {
        const tap = hashWhileReading(source, info);
        const tempFolder = join(this.root, TEMP_FOLDER);
        await mkdir(tempFolder, { recursive: true }).catch((err: unknown) => {
            throw ioError(err, tempFolder);
        });
        const staged = join(tempFolder, randomBytes(16).toString('hex'));
        try {
            await writeFileAtomically(staged, (sink) => pipeline(tap.chunks, sink), { mode: OBJECT_MODE });
        } catch (err) {
            throw tap.sourceError() ?? err;
        }
        const { digest, size } = tap.result();
        const locator: Locator = { kind: 'fs', digestAlg: info.digestAlg, digest };
        const path = this.pathOf(locator);
        try {
            // Same bytes, same name: keep what is there. A size that differs means a damaged object,
            // which the fresh copy replaces (rename is atomic, so readers see one or the other).
            if ((await sizeOf(path)) !== size) {
                const created = await mkdir(dirname(path), { recursive: true });
                await rename(staged, path);
                await syncFolder(dirname(path));
                if (created !== undefined) {
                    // A new fan-out folder is itself a new entry that must survive a crash.
                    await syncFolder(dirname(dirname(path)));
                    await syncFolder(this.root);
                }
            }
        } catch (err) {
            throw ioError(err, path);
        } finally {
            // Gone after a rename; otherwise this drops the duplicate or the copy that failed to move.
            await rm(staged, { force: true });
        }
        return { locator: formatLocator('fs', info.digestAlg, digest), digest, size };
    }

    async get(locator: string): Promise<Readable> {
        const parsed = parseLocator(locator, 'fs');
        const path = this.pathOf(parsed);
        let handle;
        try {
            handle = await open(path, 'r');
        } catch (err) {
            throw (err as NodeJS.ErrnoException).code === 'ENOENT'
                ? blobNotFound(locator, this.uri)
                : ioError(err, path);
        }
        return verifyingReader(handle.createReadStream(), parsed, (err) => ioError(err, path));
    }

    async has(locator: string): Promise<boolean> {
        return (await sizeOf(this.pathOf(parseLocator(locator, 'fs')))) !== undefined;
    }

    async delete(locator: string): Promise<void> {
        const path = this.pathOf(parseLocator(locator, 'fs'));
        await rm(path, { force: true }).catch((err: unknown) => {
            throw ioError(err, path);
        });
    }

    async *list(): AsyncIterable<ListedBlob> {
        for (const digestAlg of CIPHERTEXT_DIGEST_ALGORITHMS) {
            for await (const fanOut of entriesOf(join(this.root, digestAlg))) {
                for await (const name of entriesOf(join(this.root, digestAlg, fanOut))) {
                    const locator = locatorOfKey('fs', `${digestAlg}/${fanOut}/${name}`);
                    const path = join(this.root, digestAlg, fanOut, name);
                    const info = locator === undefined ? undefined : await stat(path).catch(() => undefined);
                    // Anything that is not an object, or vanished since the listing (a concurrent delete), is skipped.
                    if (locator !== undefined && info?.isFile()) {
                        yield { locator, size: info.size, modified: info.mtime };
                    }
                }
            }
        }
    }

    async removeAbandonedUploads(before: Date): Promise<number> {
        let removed = 0;
        const tempFolder = join(this.root, TEMP_FOLDER);
        for await (const name of entriesOf(tempFolder)) {
            const path = join(tempFolder, name);
            const info = await stat(path).catch(() => undefined);
            if (info !== undefined && info.mtime < before) {
                await rm(path, { force: true, recursive: true }).catch((err: unknown) => {
                    throw ioError(err, path);
                });
                removed += 1;
            }
        }
        return removed;
    }

    /** Safe by construction: a parsed locator holds only an algorithm name and hex digits. */
    private pathOf(locator: Locator): string {
        return join(this.root, objectKey(locator));
    }
}

/** The size of the file at `path`, or undefined when there is none. */
async function sizeOf(path: string): Promise<number | undefined> {
    try {
        const info = await stat(path);
        return info.isFile() ? info.size : undefined;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            return undefined;
        }
        throw ioError(err, path);
    }
}

/** Names in a folder, streamed (a store may hold millions); a missing folder has none. */
async function* entriesOf(folder: string): AsyncIterable<string> {
    let dir;
    try {
        dir = await opendir(folder);
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') {
            return;
        }
        throw ioError(err, folder);
    }
    for await (const entry of dir) {
        yield entry.name;
    }
}

/** Make a rename durable: fsync the folder that holds the new name. */
async function syncFolder(folder: string): Promise<void> {
    const handle = await open(folder, 'r');
    try {
        await handle.sync();
    } finally {
        await handle.close();
    }
}
