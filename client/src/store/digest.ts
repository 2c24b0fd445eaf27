/**
 * Hashing on the way in and verifying on the way out, in one pass and constant memory, shared by
 * every store so that the content address always means the same thing: the ciphertext digest of
 * docs/format.md, whose tree form hashes on the crypto pool (crypto/ciphertext-digest.ts).
 */
import { Readable } from 'node:stream';
import {
    CIPHERTEXT_DIGEST_ALGORITHMS,
    isCiphertextDigestAlgorithm,
    SealpactError,
    StoreError,
} from '@sealpact/protocol';
import { createCiphertextHasher } from '../crypto/ciphertext-digest';
import type { BlobSource, PutInfo } from './blob-store';
import { describe, formatLocator, type Locator } from './locator';

/** A source passed through a hash, for one put. */
export interface HashingTap {
    /** The source's bytes, to be consumed once by the store's writer. */
    readonly chunks: AsyncIterable<Buffer>;
    /** Digest and length; available once `chunks` has been read to the end. */
    result(): { digest: string; size: number };
    /**
     * Why reading the source failed, if it did: the source's own SealpactError, SOURCE_FAILED
     * wrapping any other error, or SIZE_MISMATCH / BAD_SOURCE. A store reports this rather than the
     * write error it causes downstream, which would only blame the store.
     */
    sourceError(): SealpactError | undefined;
}

/**
 * Check what a caller says about a put, then hash the source as it is read. With `info.size`, a
 * source that runs past it fails at once and a shorter one at its end, both with SIZE_MISMATCH, so
 * a wrong declared size never gets stored.
 *
 * @throws SealpactError BAD_DIGEST_ALG, BAD_SIZE (at once, before anything is read)
 */
export function hashWhileReading(source: BlobSource, info: PutInfo): HashingTap {
    const { digestAlg, size: expectedSize } = info;
    if (!isCiphertextDigestAlgorithm(digestAlg)) {
        const known = CIPHERTEXT_DIGEST_ALGORITHMS.join(', ');
        throw new StoreError('BAD_DIGEST_ALG', `${describe(digestAlg)} is not a digest algorithm; use one of ${known}`);
    }
    if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
        throw new StoreError('BAD_SIZE', `${describe(expectedSize)} is not a byte count`);
    }
    const hash = createCiphertextHasher(digestAlg);
    let size = 0;
    let digest: string | undefined;
    let failure: SealpactError | undefined;

    async function* read(): AsyncGenerator<Buffer> {
        for await (const chunk of source as AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>) {
            if (typeof chunk === 'string') {
                // A stream in text mode would hash an encoding of the bytes, not the bytes.
                throw new StoreError('BAD_SOURCE', 'the blob source gave text; give it bytes (no setEncoding)');
            }
            const bytes = Buffer.isBuffer(chunk)
                ? chunk
                : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
            size += bytes.length;
            if (expectedSize !== undefined && size > expectedSize) {
                throw sizeMismatch(expectedSize, `more than ${expectedSize}`);
            }
            hash.update(bytes); // a copy: the bytes go on as they are
            if (hash.mustWait) {
                await hash.drained();
            }
            yield bytes;
        }
        if (expectedSize !== undefined && size !== expectedSize) {
            throw sizeMismatch(expectedSize, String(size));
        }
        digest = (await hash.digest()).toString('hex');
    }
    async function* chunks(): AsyncGenerator<Buffer> {
        try {
            yield* read();
        } catch (err) {
            failure =
                err instanceof SealpactError
                    ? err
                    : new StoreError('SOURCE_FAILED', `reading the blob source failed: ${(err as Error).message}`);
            throw failure;
        } finally {
            hash.abort(); // a no-op once digested
        }
    }
    return {
        chunks: chunks(),
        result() {
            if (digest === undefined) {
                throw new Error('hashWhileReading: result() read before the source ended');
            }
            return { digest, size };
        },
        sourceError: () => failure,
    };
}

/**
 * A byte stream of `source` that re-hashes it and, when the digest is not the locator's, fails with
 * BLOB_TAMPERED in place of 'end' (the bytes have been delivered by then: see BlobStore.get).
 * `readError` turns a failure of the underlying read into the store's own error.
 */
export function verifyingReader(
    source: AsyncIterable<Uint8Array>,
    locator: Locator,
    readError: (err: unknown) => Error,
): Readable {
    async function* verified(): AsyncGenerator<Uint8Array> {
        const hash = createCiphertextHasher(locator.digestAlg);
        let actual: string;
        try {
            try {
                for await (const chunk of source) {
                    hash.update(chunk);
                    if (hash.mustWait) {
                        await hash.drained();
                    }
                    yield chunk;
                }
            } catch (err) {
                throw readError(err);
            }
            actual = (await hash.digest()).toString('hex');
        } finally {
            hash.abort(); // a no-op once digested
        }
        if (actual !== locator.digest) {
            const name = formatLocator(locator.kind, locator.digestAlg, locator.digest);
            throw new StoreError(
                'BLOB_TAMPERED',
                `the stored object ${name} does not match its digest (its bytes hash to ${actual}); it was altered or damaged in the store`,
            );
        }
    }
    return Readable.from(verified(), { objectMode: false });
}

function sizeMismatch(expected: number, actual: string): SealpactError {
    return new StoreError('SIZE_MISMATCH', `the blob source was declared as ${expected} bytes but gave ${actual}`);
}
