/**
 * A store in an S3 bucket (AWS S3 or any S3-compatible service), with the same layout as the fs
 * store under an optional key prefix:
 *
 * ```
 * <prefix><alg>/<first two hex digits>/<digest>    complete objects
 * <prefix>tmp/<random>                             uploads in progress (never listed)
 * ```
 *
 * The digest, and so the final key, is only known once the whole stream has gone by, so an upload
 * goes to a temporary key (multipart above one part: constant memory), is then copied server-side
 * to its digest's key, and the temporary key is deleted. CopyObject makes the final key appear
 * whole or not at all.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
    AbortMultipartUploadCommand,
    CopyObjectCommand,
    DeleteObjectCommand,
    GetObjectCommand,
    HeadObjectCommand,
    ListMultipartUploadsCommand,
    S3Client,
    paginateListObjectsV2,
    type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CIPHERTEXT_DIGEST_ALGORITHMS, SealpactError, StoreError } from '@sealpact/protocol';
import type { BlobSource, BlobStore, ListedBlob, PutInfo, StoredBlob } from './blob-store';
import { hashWhileReading, verifyingReader } from './digest';
import { blobNotFound, formatLocator, locatorOfKey, objectKey, parseLocator, type Locator } from './locator';
import { formatStoreUri, type S3Location } from './store-uri';

/** Access keys; never part of a store URI. */
export interface S3Credentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
}

/** Tuning and credentials for an S3 store. */
export interface S3StoreOptions {
    /** Without them, the AWS SDK's default chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, … */
    readonly credentials?: S3Credentials;
    /** Multipart part size in bytes (default 8 MiB, at least 5 MiB as S3 requires). */
    readonly partSize?: number;
    /** Parts uploaded at once (default 2); memory held is about (queueSize + 1) × partSize. */
    readonly queueSize?: number;
    /**
     * How long the service may stay silent, while connecting or in the middle of a request, before
     * the attempt fails (default 10 s). The AWS SDK makes three attempts, so a hung service costs
     * about three times this, then STORE_UNAVAILABLE, instead of waiting forever.
     */
    readonly timeoutMs?: number;
}

const MIB = 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * MIB;
const MIN_PART_SIZE = 5 * MIB;
const DEFAULT_QUEUE_SIZE = 2;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Without a region anywhere, S3-compatible services accept any; AWS then redirects to the bucket's. */
const FALLBACK_REGION = 'us-east-1';
/** The largest object a single CopyObject accepts. */
const MAX_COPY_SIZE = 5 * 1024 * MIB;
const TEMP_FOLDER = 'tmp/';

/** A {@link BlobStore} in an S3 bucket. */
export class S3BlobStore implements BlobStore {
    private readonly client: S3Client;
    private readonly partSize: number;
    private readonly queueSize: number;
    private readonly timeoutMs: number;

    readonly uri: string;

    constructor(
        private readonly location: S3Location,
        options: S3StoreOptions = {},
    ) {
        this.uri = formatStoreUri({ kind: 's3', ...location });
        this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
        this.queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
        this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
            throw new StoreError(
                'BAD_STORE_OPTIONS',
                `partSize must be a whole number of bytes, at least ${MIN_PART_SIZE}`,
            );
        }
        if (!Number.isSafeInteger(this.queueSize) || this.queueSize < 1) {
            throw new StoreError('BAD_STORE_OPTIONS', 'queueSize must be a whole number, at least 1');
        }
        if (!Number.isSafeInteger(this.timeoutMs) || this.timeoutMs < 1) {
            throw new StoreError('BAD_STORE_OPTIONS', 'timeoutMs must be a whole number of milliseconds, at least 1');
        }
        const config: S3ClientConfig = {
            region: location.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? FALLBACK_REGION,
            endpoint: location.endpoint,
            forcePathStyle: location.forcePathStyle,
            credentials: options.credentials,
            requestHandler: { connectionTimeout: this.timeoutMs, socketTimeout: this.timeoutMs },
        };
        this.client = new S3Client(config);
    }

    async put(source: BlobSource, info: PutInfo): Promise<StoredBlob> {
        const tap = hashWhileReading(source, info);
        if (info.size !== undefined && info.size > MAX_COPY_SIZE) {
            throw tooLarge(info.size);
        }
        const tempKey = `${this.location.prefix}${TEMP_FOLDER}${randomUUID()}`;
        const body = Readable.from(tap.chunks);
        try {
            const upload = new Upload({
                client: this.client,
                params: { Bucket: this.location.bucket, Key: tempKey, Body: body },
                partSize: this.partSize,
                queueSize: this.queueSize,
                // On failure the multipart upload is aborted, so no parts linger to be billed.
                leavePartsOnError: false,
            });
            await upload.done();
            const { digest, size } = tap.result();
            if (size > MAX_COPY_SIZE) {
                throw tooLarge(size);
            }
            const locator: Locator = { kind: 's3', digestAlg: info.digestAlg, digest };
            const key = this.keyOf(locator);
            // Same bytes, same key: keep what is there, unless its size says it is damaged.
            if ((await this.sizeOf(key)) !== size) {
                await this.send('copy the upload to', key, () =>
                    this.client.send(
                        new CopyObjectCommand({
                            Bucket: this.location.bucket,
                            Key: key,
                            CopySource: `${this.location.bucket}/${tempKey.split('/').map(encodeURIComponent).join('/')}`,
                        }),
                    ),
                );
            }
            return { locator: formatLocator('s3', info.digestAlg, digest), digest, size };
        } catch (err) {
            throw tap.sourceError() ?? this.storeError(err, 'upload', tempKey);
        } finally {
            // If the upload failed on the service's side, this also releases the caller's source.
            body.destroy();
            await this.deleteKey(tempKey).catch(() => {
                // Best effort: what is left is under tmp/ and removeAbandonedUploads clears it.
            });
        }
    }

    async get(locator: string): Promise<Readable> {
        const parsed = parseLocator(locator, 's3');
        const key = this.keyOf(parsed);
        let body: unknown;
        try {
            ({ Body: body } = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key })));
        } catch (err) {
            throw isNotFound(err) ? blobNotFound(locator, this.uri) : this.storeError(err, 'read', key);
        }
        // In Node the SDK's body is an IncomingMessage, a Readable.
        return verifyingReader(body as Readable, parsed, (err) => this.storeError(err, 'read', key));
    }

    async has(locator: string): Promise<boolean> {
        return (await this.sizeOf(this.keyOf(parseLocator(locator, 's3')))) !== undefined;
    }

    async delete(locator: string): Promise<void> {
        await this.deleteKey(this.keyOf(parseLocator(locator, 's3')));
    }

    async *list(): AsyncIterable<ListedBlob> {
        for (const digestAlg of CIPHERTEXT_DIGEST_ALGORITHMS) {
            for await (const object of this.objectsUnder(`${digestAlg}/`)) {
                const locator = locatorOfKey('s3', object.key);
                if (locator !== undefined) {
                    yield { locator, size: object.size, modified: object.modified };
                }
            }
        }
    }

    async removeAbandonedUploads(before: Date): Promise<number> {
        let removed = 0;
        for await (const object of this.objectsUnder(TEMP_FOLDER)) {
            if (object.modified < before) {
                await this.deleteKey(this.location.prefix + object.key);
                removed += 1;
            }
        }
        // A process killed during a multipart upload leaves its parts, invisible but stored.
        let keyMarker: string | undefined;
        let uploadIdMarker: string | undefined;
        do {
            const page = await this.send('list the multipart uploads in', TEMP_FOLDER, () =>
                this.client.send(
                    new ListMultipartUploadsCommand({
                        Bucket: this.location.bucket,
                        Prefix: this.location.prefix + TEMP_FOLDER,
                        KeyMarker: keyMarker,
                        UploadIdMarker: uploadIdMarker,
                    }),
                ),
            );
            for (const upload of page.Uploads ?? []) {
                if (
                    upload.Key !== undefined &&
                    upload.UploadId !== undefined &&
                    (upload.Initiated ?? before) < before
                ) {
                    await this.send('abort the multipart upload', upload.Key, () =>
                        this.client.send(
                            new AbortMultipartUploadCommand({
                                Bucket: this.location.bucket,
                                Key: upload.Key,
                                UploadId: upload.UploadId,
                            }),
                        ),
                    );
                    removed += 1;
                }
            }
            keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
            uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
        } while (keyMarker !== undefined);
        return removed;
    }

    /** Close the HTTP connections (tests and short-lived commands). */
    destroy(): void {
        this.client.destroy();
    }

    private keyOf(locator: Locator): string {
        return this.location.prefix + objectKey(locator);
    }

    /** Objects under a folder of the store, keys relative to the store's prefix, page by page. */
    private async *objectsUnder(folder: string): AsyncIterable<{ key: string; size: number; modified: Date }> {
        const pages = paginateListObjectsV2(
            { client: this.client },
            { Bucket: this.location.bucket, Prefix: this.location.prefix + folder },
        );
        try {
            for await (const page of pages) {
                for (const object of page.Contents ?? []) {
                    if (object.Key !== undefined) {
                        yield {
                            key: object.Key.slice(this.location.prefix.length),
                            size: object.Size ?? 0,
                            modified: object.LastModified ?? new Date(0),
                        };
                    }
                }
            }
        } catch (err) {
            throw this.storeError(err, 'list', this.location.prefix + folder);
        }
    }

    /** The size of the object at `key`, or undefined when there is none. */
    private async sizeOf(key: string): Promise<number | undefined> {
        try {
            const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key }));
            return head.ContentLength ?? 0;
        } catch (err) {
            if (isNotFound(err)) {
                return undefined;
            }
            throw this.storeError(err, 'look up', key);
        }
    }

    private deleteKey(key: string): Promise<unknown> {
        return this.send('delete', key, () =>
            this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: key })),
        );
    }

    /** Run one request, turning its failure into a SealpactError that names the action and key. */
    private async send<T>(action: string, key: string, request: () => Promise<T>): Promise<T> {
        try {
            return await request();
        } catch (err) {
            throw this.storeError(err, action, key);
        }
    }

    /**
     * Classify an S3 failure. Messages name the store, action and key, and the service's error
     * name and status; never the credentials or the request's signature.
     */
    private storeError(err: unknown, action: string, key: string): SealpactError {
        if (err instanceof SealpactError) {
            return err;
        }
        const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
        const where = `s3://${this.location.bucket}/${key}`;
        const status = e.$metadata?.httpStatusCode;
        // lib-storage rewraps socket errors, keeping the code only in the message.
        const network = [...NETWORK_ERRORS].find((code) => e.code === code || e.message?.includes(code));
        if (network !== undefined) {
            return new StoreError(
                'STORE_UNAVAILABLE',
                `cannot reach the S3 service at ${this.location.endpoint ?? 'AWS'} (${network}) to ${action} ${where}`,
            );
        }
        if (e.name === 'TimeoutError') {
            return new StoreError(
                'STORE_UNAVAILABLE',
                `the S3 service at ${this.location.endpoint ?? 'AWS'} did not answer for ${this.timeoutMs / 1000} s to ${action} ${where}`,
            );
        }
        if (e.name === 'NoSuchBucket') {
            return new StoreError(
                'STORE_NOT_FOUND',
                `the bucket ${this.location.bucket} does not exist (store ${this.uri})`,
            );
        }
        if (status === 403 || (e.name !== undefined && ACCESS_ERRORS.has(e.name))) {
            return new StoreError(
                'STORE_ACCESS_DENIED',
                `the S3 service refused to ${action} ${where} (${e.name ?? 'HTTP 403'}); check the credentials and the bucket policy`,
            );
        }
        const detail = [e.name, status === undefined ? undefined : `HTTP ${status}`, e.message]
            .filter(Boolean)
            .join(', ');
        return new StoreError('STORE_ERROR', `could not ${action} ${where}: ${detail.slice(0, 300)}`);
    }
}

const NETWORK_ERRORS = new Set([
    'ECONNREFUSED',
    'ECONNRESET',
    'ENOTFOUND',
    'EAI_AGAIN',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'EPIPE',
]);
const ACCESS_ERRORS = new Set([
    'AccessDenied',
    'InvalidAccessKeyId',
    'SignatureDoesNotMatch',
    'ExpiredToken',
    'CredentialsProviderError',
]);

function isNotFound(err: unknown): boolean {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return (
        e.name === 'NoSuchKey' ||
        e.name === 'NotFound' ||
        (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket')
    );
}

function tooLarge(size: number): SealpactError {
    return new StoreError(
        'BLOB_TOO_LARGE',
        `an object of ${size} bytes is larger than the 5 GiB an S3 copy can move; the s3 store holds objects up to 5 GiB`,
    );
}
