import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ClientError } from '@sealpact/protocol';
import { ioError, writeBufferAtomically } from '../atomic-file';

/** One upload not yet known to be on the ledger or removed. */
export interface PendingUpload {
    locator: string;
    fileId: string;
    /** ISO time of the upload. */
    at: string;
}

/**
 * The blobs this party uploaded whose ShareFile has not been seen to commit: a small JSON file
 * kept beside the keyring. A store may be shared by many parties, so `gc` may only ever remove
 * blobs this party put there itself and the ledger does not refer to; this journal is how it
 * knows which those are. Entries are added before ShareFile and removed once it committed or the
 * blob was deleted, so only a crash or an unknown outcome (COMMIT_UNKNOWN: ShareFile reached the
 * orderer but its commit status never came back) leaves one behind, for gc to settle with the ledger.
 */
export class UploadJournal {
    /** Changes run one at a time: concurrent sends in one process must not lose each other's entries. */
    private changes: Promise<void> = Promise.resolve();

    constructor(readonly path: string) {}

    async pending(): Promise<PendingUpload[]> {
        let text: string;
        try {
            text = await readFile(this.path, 'utf8');
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
                return [];
            }
            throw ioError(err, this.path);
        }
        try {
            return JSON.parse(text) as PendingUpload[];
        } catch {
            // Never quote the file: the parser's message would.
            throw new ClientError('BAD_JSON', `the upload journal ${this.path} is not valid JSON; fix or remove it`);
        }
    }

    add(upload: PendingUpload): Promise<void> {
        return this.change((entries) => [...entries, upload]);
    }

    remove(locator: string): Promise<void> {
        return this.change((entries) => entries.filter((entry) => entry.locator !== locator));
    }

    private change(edit: (entries: PendingUpload[]) => PendingUpload[]): Promise<void> {
        const next = this.changes.then(async () => {
            const entries = edit(await this.pending());
            await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
            await writeBufferAtomically(this.path, Buffer.from(JSON.stringify(entries, null, 2) + '\n'));
        });
        this.changes = next.catch(() => undefined);
        return next;
    }
}
