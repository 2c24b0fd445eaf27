import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Suite, SUITE_CIPHERTEXT_DIGEST } from '@sealpact/protocol';
import { ioError } from '../atomic-file';
import { createEncryptStream } from '../crypto/stream';
import { BlobStore, StoredBlob } from '../store/blob-store';
import { UploadJournal } from './upload-journal';

export interface EncryptToStoreOptions {
    store: BlobStore;
    /** Where the upload is noted until ShareFile commits (gc settles what a failed send left). */
    uploads?: UploadJournal;
    suite: Suite;
    password: Buffer;
    /** Bound to the container as associated data, so the blob opens only as this file. */
    fileId: string;
    /** A pass-through placed after the reader, e.g. the CLI's progress bar. */
    meter?: Transform;
}

/**
 * Encrypt the file with the file password through the container cipher (docs/format.md) straight
 * into the blob store, which names the blob by the digest it computes on the way, in constant
 * memory. The upload goes into the party's upload journal.
 */
export async function encryptToStore(input: string | Readable, options: EncryptToStoreOptions): Promise<StoredBlob> {
    const source = typeof input === 'string' ? createReadStream(input) : input;
    const encryptor = createEncryptStream({ suite: options.suite, password: options.password, aad: options.fileId });
    const stages = options.meter ? [source, options.meter, encryptor] : [source, encryptor];
    const [blob] = await Promise.all([
        options.store.put(encryptor, { digestAlg: SUITE_CIPHERTEXT_DIGEST[options.suite] }),
        pipeline(stages).catch((err: unknown) => {
            // A missing or unreadable input file is named like every other file error.
            const failure = typeof input === 'string' ? ioError(err, input) : err;
            encryptor.destroy(failure as Error); // so the store's put fails too and stores nothing
            throw failure;
        }),
    ]);
    await options.uploads?.add({ locator: blob.locator, fileId: options.fileId, at: new Date().toISOString() });
    return blob;
}
