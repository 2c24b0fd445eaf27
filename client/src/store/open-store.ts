/**
 * The one entry point: a store URI in, a {@link BlobStore} out.
 */
import type { BlobStore } from './blob-store';
import { FsBlobStore } from './fs-store';
import { S3BlobStore, type S3StoreOptions } from './s3-store';
import { parseStoreUri } from './store-uri';

/** Options for {@link openStore}; only the s3 store has any. */
export interface OpenStoreOptions {
    readonly s3?: S3StoreOptions;
}

/**
 * Open the store a URI names (see store-uri.ts for the forms). Nothing is contacted or created yet:
 * the fs store creates its folder on the first put, the s3 store connects on the first request.
 *
 * @throws SealpactError BAD_STORE_URI, BAD_STORE_OPTIONS
 */
export function openStore(uri: string, options: OpenStoreOptions = {}): BlobStore {
    const address = parseStoreUri(uri);
    return address.kind === 'fs' ? new FsBlobStore(address.root) : new S3BlobStore(address, options.s3);
}
