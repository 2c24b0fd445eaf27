/** File stores: the seed's file database. See docs/stores.md. */
export type { BlobSource, BlobStore, ListedBlob, PutInfo, StoredBlob } from './blob-store';
export { FsBlobStore } from './fs-store';
export { formatLocator, parseLocator, type Locator, type StoreKind } from './locator';
export { openStore, type OpenStoreOptions } from './open-store';
export { S3BlobStore, type S3Credentials, type S3StoreOptions } from './s3-store';
export { formatStoreUri, parseStoreUri, type S3Location, type StoreAddress } from './store-uri';
