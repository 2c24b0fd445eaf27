// One suite, run against both stores: the fs store in a temp folder and the s3 store against a real
// SeaweedFS server started here on 127.0.0.1 (built first by client/scripts/seaweedfs.js if it is
// missing). If the server cannot start, the s3 tests fail; they are never skipped.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
    CreateMultipartUploadCommand,
    ListMultipartUploadsCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
} from '@aws-sdk/client-s3';
import { CiphertextDigestAlgorithm, DigestAlgorithm, hashOf } from '@sealpact/protocol';
import { openStore, parseLocator, type BlobStore, type ListedBlob } from './index';
import { S3BlobStore } from './s3-store';
import { defined } from '../../../protocol/src/test-support/defined';
import { referenceTreeDigest } from '../test-support/tree-digest';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const seaweedfs = require('../../scripts/seaweedfs.js') as {
    start(): Promise<{ endpoint: string; accessKeyId: string; secretAccessKey: string; stop(): Promise<void> }>;
    createBucket(
        server: { endpoint: string; accessKeyId: string; secretAccessKey: string },
        bucket: string,
    ): Promise<void>;
};

const MIB = 1024 * 1024;
// Node 20 is supported by the pinned SDK; its notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The first requests to a fresh SeaweedFS wait for it to allocate volumes.
jest.setTimeout(30_000);
const BUCKET = 'sealpact-store-test';

interface Harness {
    readonly store: BlobStore;
    /** Replace an object's bytes behind the store's back. */
    tamper(locator: string): Promise<void>;
    /** Temporary uploads still in the store (temp files, temp keys, unfinished multipart uploads). */
    leftovers(): Promise<string[]>;
    /** Leave a stale temporary upload, as a killed process would. */
    abandonUpload(): Promise<void>;
    close(): Promise<void>;
}

let server: Awaited<ReturnType<typeof seaweedfs.start>> | undefined;
let raw: S3Client | undefined;

beforeAll(async () => {
    server = await seaweedfs.start();
    raw = new S3Client({
        endpoint: server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    await seaweedfs.createBucket(server, BUCKET);
}, 30 * 60_000); // the first run may build SeaweedFS

afterAll(async () => {
    raw?.destroy();
    await server?.stop();
}, 30_000);

async function fsHarness(): Promise<Harness> {
    const root = await mkdtemp(join(tmpdir(), 'sealpact-fs-store-'));
    const store = openStore(join(root, 'blobs'));
    return {
        store,
        async tamper(locator) {
            const { digestAlg, digest } = parseLocator(locator);
            const path = join(root, 'blobs', digestAlg, digest.slice(0, 2), digest);
            await chmod(path, 0o600);
            const handle = await open(path, 'r+');
            const first = Buffer.alloc(1);
            await handle.read(first, 0, 1, 0);
            await handle.write(Buffer.from([first.readUInt8(0) ^ 1]), 0, 1, 0);
            await handle.close();
        },
        async leftovers() {
            return readdir(join(root, 'blobs', 'tmp')).catch(() => []);
        },
        async abandonUpload() {
            await writeFile(join(root, 'blobs', 'tmp', '.stale.partial'), 'half an upload');
        },
        close: () => rm(root, { recursive: true, force: true }),
    };
}

function s3Harness(): Promise<Harness> {
    if (server === undefined || raw === undefined) throw new Error('the S3 server did not start');
    const client = raw;
    const prefix = `run-${randomBytes(4).toString('hex')}/`;
    const uri = `s3://${BUCKET}/${prefix}?endpoint=${server.endpoint}&region=us-east-1&forcePathStyle=true`;
    const store = openStore(uri, {
        s3: { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } },
    });
    return Promise.resolve({
        store,
        async tamper(locator) {
            const { digestAlg, digest } = parseLocator(locator);
            const Key = `${prefix}${digestAlg}/${digest.slice(0, 2)}/${digest}`;
            await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'not what was stored' }));
        },
        async leftovers() {
            const objects = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}tmp/` }));
            const uploads = await client.send(
                new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `${prefix}tmp/` }),
            );
            return [
                ...(objects.Contents ?? []).map((object) => String(object.Key)),
                ...(uploads.Uploads ?? []).map((upload) => `multipart ${upload.Key}`),
            ];
        },
        async abandonUpload() {
            await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}tmp/stale`, Body: 'half' }));
            await client.send(
                new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: `${prefix}tmp/stale-multipart` }),
            );
        },
        close() {
            destroyS3(store);
            return Promise.resolve();
        },
    });
}

/** Close an s3 store's connections (BlobStore has no close; the S3 client keeps sockets open). */
function destroyS3(store: BlobStore): void {
    if (!(store instanceof S3BlobStore)) {
        throw new Error(`${store.uri} is not an s3 store`);
    }
    store.destroy();
}

/** `size` bytes of varied content, generated 1 MiB at a time so no test holds a whole file. */
// eslint-disable-next-line @typescript-eslint/require-await -- an asynchronous source like a real one, though each chunk is ready at once
async function* generated(size: number, seed = randomBytes(16)): AsyncGenerator<Buffer> {
    const block = Buffer.concat(
        Array.from({ length: 16 }, (_, i) =>
            createHash('sha512')
                .update(seed)
                .update(Buffer.from([i]))
                .digest(),
        ),
    );
    for (let offset = 0, index = 0; offset < size; index++) {
        const chunk = Buffer.alloc(Math.min(MIB, size - offset));
        for (let at = 0; at < chunk.length; at += block.length) block.copy(chunk, at);
        chunk.writeUInt32BE(index, 0);
        offset += chunk.length;
        yield chunk.subarray(0, chunk.length);
    }
}

/** The ciphertext digest of docs/format.md, in either version. */
function digestHex(digestAlg: CiphertextDigestAlgorithm, bytes: Buffer): string {
    return digestAlg.endsWith('-tree')
        ? referenceTreeDigest(hashOf(digestAlg), bytes).toString('hex')
        : createHash(digestAlg).update(bytes).digest('hex');
}

async function digestOf(
    source: AsyncIterable<Uint8Array>,
    digestAlg: CiphertextDigestAlgorithm = 'sha256',
): Promise<{ digest: string; size: number }> {
    const bytes = Buffer.concat(await collect(source));
    return { digest: digestHex(digestAlg, bytes), size: bytes.length };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
    const all: T[] = [];
    for await (const item of items) all.push(item);
    return all;
}

async function locators(store: BlobStore): Promise<string[]> {
    return (await collect<ListedBlob>(store.list())).map((blob) => blob.locator).sort();
}

async function* failingAfter(bytes: number): AsyncGenerator<Buffer> {
    yield* generated(bytes);
    throw new Error('the network went away');
}

describe.each([
    ['fs', fsHarness],
    ['s3', s3Harness],
])('%s store', (kind, makeHarness) => {
    let h: Harness;
    beforeAll(async () => {
        h = await makeHarness();
    });
    afterAll(async () => {
        await (h as Harness | undefined)?.close(); // undefined when beforeAll failed
    });

    test('its uri is canonical and holds no secret', () => {
        expect(h.store.uri.startsWith(`${kind}://`)).toBe(true);
        expect(h.store.uri).not.toMatch(/secret|sealpact[0-9a-f]{12}/i);
    });

    test.each([
        ['sha256', 0],
        ['sm3', 0],
        ['sha256', 1000],
        ['sm3', 1000],
        ['sha256-tree', 0],
        ['sm3-tree', 1000],
        ['sha256-tree', 3 * MIB + 5],
    ] as const)('round trip: %s, %d bytes', async (digestAlg, size) => {
        const content = size === 0 ? Buffer.alloc(0) : randomBytes(size);
        const stored = await h.store.put([content], { digestAlg, size });
        const expected = digestHex(digestAlg, content);
        expect(stored).toEqual({ locator: `${kind}:${digestAlg}/${expected}`, digest: expected, size });
        expect(await h.store.has(stored.locator)).toBe(true);
        const back = await collect(await h.store.get(stored.locator));
        expect(Buffer.concat(back as Buffer[]).equals(content)).toBe(true);
    });

    test('round trip of 20 MiB, streamed (several multipart parts on s3)', async () => {
        const seed = randomBytes(16);
        const expected = await digestOf(generated(20 * MIB, seed), 'sm3-tree');
        const stored = await h.store.put(Readable.from(generated(20 * MIB, seed)), { digestAlg: 'sm3-tree' });
        expect(stored).toEqual({ locator: `${kind}:sm3-tree/${expected.digest}`, ...expected });
        expect(await digestOf(await h.store.get(stored.locator), 'sm3-tree')).toEqual(expected);
    }, 120_000);

    test('storing the same bytes again returns the same locator and keeps one object', async () => {
        const content = randomBytes(5000);
        const first = await h.store.put([content], { digestAlg: 'sha256' });
        const second = await h.store.put(Readable.from([content.subarray(0, 10), content.subarray(10)]), {
            digestAlg: 'sha256',
        });
        expect(second).toEqual(first);
        expect((await locators(h.store)).filter((l) => l === first.locator)).toHaveLength(1);
        expect(await h.leftovers()).toEqual([]);
    });

    test.each(['sm3', 'sha256-tree'] as const)(
        'a tampered object fails the read with BLOB_TAMPERED at the end of the stream (%s)',
        async (digestAlg) => {
            const stored = await h.store.put([randomBytes(3000)], { digestAlg });
            await h.tamper(stored.locator);
            const reading = collect(await h.store.get(stored.locator));
            await expect(reading).rejects.toThrow(/BLOB_TAMPERED: the stored object .* does not match its digest/);
            await expect(reading).rejects.toMatchObject({ name: 'StoreError', code: 'BLOB_TAMPERED' });
        },
    );

    test('concurrent puts, some of identical content, all land', async () => {
        const distinct = Array.from({ length: 6 }, () => randomBytes(20_000));
        const same = randomBytes(30_000);
        const results = await Promise.all([
            ...distinct.map((content) => h.store.put([content], { digestAlg: 'sha256' })),
            ...Array.from({ length: 4 }, () => h.store.put(Readable.from([same]), { digestAlg: 'sha256' })),
        ]);
        const listed = await locators(h.store);
        for (const { locator } of results) expect(listed).toContain(locator);
        expect(new Set(results.slice(6).map((r) => r.locator)).size).toBe(1);
        for (const [i, content] of distinct.entries()) {
            const { locator } = defined(results[i], `the result of storing content ${i}`);
            expect(Buffer.concat((await collect(await h.store.get(locator))) as Buffer[])).toEqual(content);
        }
        expect(await h.leftovers()).toEqual([]);
    }, 60_000);

    test('list reports size and time; delete removes; get of a missing object is BLOB_NOT_FOUND', async () => {
        const before = Date.now() - 60_000;
        const stored = await h.store.put([randomBytes(777)], { digestAlg: 'sha256' });
        const entry = (await collect(h.store.list())).find((blob) => blob.locator === stored.locator);
        expect(entry?.size).toBe(777);
        expect(entry?.modified.getTime()).toBeGreaterThan(before);
        await h.store.delete(stored.locator);
        expect(await h.store.has(stored.locator)).toBe(false);
        expect(await locators(h.store)).not.toContain(stored.locator);
        await expect(h.store.get(stored.locator)).rejects.toThrow(/^BLOB_NOT_FOUND: .* is not in the store/);
        await expect(h.store.delete(stored.locator)).resolves.toBeUndefined();
    });

    test.each([
        ['fs:sha256/../../../etc/passwd', 'BAD_LOCATOR'],
        [`${kind}:sha256/${'A'.repeat(64)}`, 'BAD_LOCATOR'],
        [`${kind}:md5/${'a'.repeat(64)}`, 'BAD_LOCATOR'],
        [`${kind}:sha256/${'a'.repeat(63)}`, 'BAD_LOCATOR'],
        [`${kind}:sha256/${'a'.repeat(64)}/x`, 'BAD_LOCATOR'],
        [`${kind === 'fs' ? 's3' : 'fs'}:sha256/${'a'.repeat(64)}`, 'WRONG_STORE'],
    ])('the locator %s is refused with %s', async (locator, code) => {
        await expect(h.store.get(locator)).rejects.toThrow(new RegExp(`^${code}: `));
        await expect(h.store.has(locator)).rejects.toThrow(new RegExp(`^${code}: `));
        await expect(h.store.delete(locator)).rejects.toThrow(new RegExp(`^${code}: `));
    });

    test('a source that fails mid-way leaves no object and no temporary upload', async () => {
        const listed = await locators(h.store);
        // 12 MiB: on s3 the first 8 MiB part is already uploaded when the source fails.
        await expect(h.store.put(failingAfter(12 * MIB), { digestAlg: 'sha256' })).rejects.toThrow(
            /^SOURCE_FAILED: reading the blob source failed: the network went away/,
        );
        expect(await locators(h.store)).toEqual(listed);
        expect(await h.leftovers()).toEqual([]);
    }, 60_000);

    test('a source that is not the declared size is refused with SIZE_MISMATCH', async () => {
        const listed = await locators(h.store);
        await expect(h.store.put([randomBytes(100)], { digestAlg: 'sm3', size: 99 })).rejects.toThrow(
            /^SIZE_MISMATCH: .* declared as 99 bytes but gave more than 99/,
        );
        await expect(h.store.put([randomBytes(100)], { digestAlg: 'sm3', size: 101 })).rejects.toThrow(
            /^SIZE_MISMATCH: .* declared as 101 bytes but gave 100/,
        );
        await expect(h.store.put([], { digestAlg: 'md5' as DigestAlgorithm })).rejects.toThrow(
            /^BAD_DIGEST_ALG: "md5" is not a digest algorithm; use one of sha256, sm3, sha256-tree, sm3-tree$/,
        );
        expect(await locators(h.store)).toEqual(listed);
        expect(await h.leftovers()).toEqual([]);
    });

    test('removeAbandonedUploads clears what a killed upload left, and only stale ones', async () => {
        await h.store.put([randomBytes(10)], { digestAlg: 'sha256' }); // makes sure tmp/ exists on fs
        await h.abandonUpload();
        const leftovers = await h.leftovers();
        expect(leftovers.length).toBeGreaterThan(0);
        expect(await h.store.removeAbandonedUploads(new Date(Date.now() - 3_600_000))).toBe(0);
        expect(await h.store.removeAbandonedUploads(new Date(Date.now() + 60_000))).toBe(leftovers.length);
        expect(await h.leftovers()).toEqual([]);
    });
});

describe('s3 store failures', () => {
    test('an unreachable endpoint is STORE_UNAVAILABLE', async () => {
        const store = openStore(`s3://${BUCKET}?endpoint=http://127.0.0.1:9&forcePathStyle=true`, {
            s3: { credentials: { accessKeyId: 'x', secretAccessKey: 'y' } },
        });
        await expect(store.put([Buffer.from('hello')], { digestAlg: 'sha256' })).rejects.toThrow(
            /^STORE_UNAVAILABLE: cannot reach the S3 service at http:\/\/127\.0\.0\.1:9/,
        );
        destroyS3(store);
    }, 60_000);

    test('a service that accepts connections but never answers is STORE_UNAVAILABLE after its timeout', async () => {
        // A hung S3 service (a frozen process) still completes TCP handshakes.
        const silent = createServer(() => undefined);
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
        const { port } = silent.address() as AddressInfo;
        const store = openStore(`s3://${BUCKET}?endpoint=http://127.0.0.1:${port}&forcePathStyle=true`, {
            s3: { credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, timeoutMs: 300 },
        });
        try {
            await expect(store.put([Buffer.from('hello')], { digestAlg: 'sha256' })).rejects.toThrow(
                new RegExp(
                    `^STORE_UNAVAILABLE: the S3 service at http://127\\.0\\.0\\.1:${port} did not answer for 0\\.3 s to upload s3://`,
                ),
            );
        } finally {
            destroyS3(store);
            silent.close();
        }
    }, 30_000);

    test('a timeout that is not a positive whole number of milliseconds is BAD_STORE_OPTIONS', () => {
        for (const timeoutMs of [0, -1, 1.5, Number.NaN]) {
            expect(() => openStore(`s3://${BUCKET}?endpoint=http://127.0.0.1:9`, { s3: { timeoutMs } })).toThrow(
                /^BAD_STORE_OPTIONS: timeoutMs must be a whole number of milliseconds, at least 1$/,
            );
        }
    });

    test('wrong credentials are STORE_ACCESS_DENIED, and the message holds no secret', async () => {
        const secret = 'wrong-secret-key-do-not-print';
        const store = openStore(`s3://${BUCKET}?endpoint=${server?.endpoint}&forcePathStyle=true`, {
            s3: { credentials: { accessKeyId: 'nobody', secretAccessKey: secret } },
        });
        const failure = store.put([Buffer.from('hello')], { digestAlg: 'sha256' });
        await expect(failure).rejects.toThrow(/^STORE_ACCESS_DENIED: the S3 service refused to upload/);
        await expect(failure).rejects.not.toThrow(secret);
        destroyS3(store);
    });

    test('a missing bucket is STORE_NOT_FOUND', async () => {
        const store = openStore(`s3://no-such-bucket-here?endpoint=${server?.endpoint}&forcePathStyle=true`, {
            s3: {
                credentials: {
                    accessKeyId: defined(server, 'the S3 server').accessKeyId,
                    secretAccessKey: defined(server, 'the S3 server').secretAccessKey,
                },
            },
        });
        await expect(store.get(`s3:sha256/${'a'.repeat(64)}`)).rejects.toThrow(
            /^STORE_NOT_FOUND: the bucket no-such-bucket-here does not exist/,
        );
        destroyS3(store);
    });
});
