/**
 * The seed's file database: where encrypted containers live while the ledger records only their
 * locator and digest. One small interface, two implementations (fs-store.ts, s3-store.ts), chosen
 * by a store URI (open-store.ts). docs/stores.md describes the guarantees.
 */
import type { Readable } from 'node:stream';
import { CiphertextDigestAlgorithm } from '@sealpact/protocol';

/** Bytes to store: a Node stream or any (async) iterable of byte chunks, read once, front to back. */
export type BlobSource = Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** What the caller says about the bytes it stores. */
export interface PutInfo {
    /** The digest that names the object: the container's ciphertext digest (sm3-tree for gm, sha256-tree for intl). */
    readonly digestAlg: CiphertextDigestAlgorithm;
    /** The exact length, when known: a source of another length is refused with SIZE_MISMATCH. */
    readonly size?: number;
}

/** A stored object. */
export interface StoredBlob {
    /** The object's locator (see locator.ts), the value recorded on the ledger. */
    readonly locator: string;
    /** Lower-case hex digest of the stored bytes, with the algorithm named by the locator. */
    readonly digest: string;
    /** Length in bytes. */
    readonly size: number;
}

/** One object as `list` reports it. */
export interface ListedBlob {
    readonly locator: string;
    readonly size: number;
    readonly modified: Date;
}

/**
 * A content-addressed store of immutable objects, streamed in constant memory.
 *
 * Every method throws {@link SealpactError}; the codes are listed in docs/stores.md.
 */
export interface BlobStore {
    /** The store's canonical URI, e.g. `fs:///var/lib/sealpact/blobs` or `s3://bucket/prefix?endpoint=…`; never holds a secret. */
    readonly uri: string;

    /**
     * Stream `source` into the store, hashing it on the way, and make it visible under the locator
     * its digest names, whole or not at all. Storing identical bytes again returns the same locator
     * and keeps the existing object. If the source fails, nothing becomes visible and the source's
     * error is rethrown (a SealpactError passes through unchanged).
     */
    put(source: BlobSource, info: PutInfo): Promise<StoredBlob>;

    /**
     * Open an object for reading. Resolves once the object is known to exist (BLOB_NOT_FOUND
     * otherwise). The stream re-hashes the bytes as they pass and, if they do not match the
     * locator's digest, ends with a BLOB_TAMPERED error **instead of** 'end' — after the bytes have
     * been delivered. Consumers must therefore treat the data as good only once the stream ended
     * without error (write to a temporary file, rename on success).
     */
    get(locator: string): Promise<Readable>;

    /** Whether the object exists (its content is not checked). */
    has(locator: string): Promise<boolean>;

    /** Remove the object; removing an absent object is not an error. */
    delete(locator: string): Promise<void>;

    /** Every complete object in the store, in no particular order (for `gc` of orphans). */
    list(): AsyncIterable<ListedBlob>;

    /**
     * Remove what interrupted uploads left behind (temporary files, temporary keys, unfinished
     * multipart uploads) that were started before `before`; returns how many were removed. A put
     * that fails cleans up after itself, so this only matters after a crash or a killed process;
     * pass a time well before any upload that may still be running.
     */
    removeAbandonedUploads(before: Date): Promise<number>;
}
