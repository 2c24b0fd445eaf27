import { resolve } from 'node:path';
import { formatLocator, parseLocator } from './locator';
import { openStore } from './open-store';
import { formatStoreUri, parseStoreUri } from './store-uri';

// Node 20 is supported by the pinned SDK; its notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const HEX = 'ab'.repeat(32);

describe('store URIs', () => {
    test.each([
        ['fs:///var/lib/sealpact/blobs', { kind: 'fs', root: '/var/lib/sealpact/blobs' }],
        ['fs://localhost/srv/blobs/', { kind: 'fs', root: '/srv/blobs/' }],
        ['file:///srv/a%20b', { kind: 'fs', root: '/srv/a b' }],
        ['/srv/blobs', { kind: 'fs', root: '/srv/blobs' }],
        ['relative/blobs', { kind: 'fs', root: resolve('relative/blobs') }],
        ['s3://bucket', { kind: 's3', bucket: 'bucket', prefix: '' }],
        ['s3://my.bucket-1/', { kind: 's3', bucket: 'my.bucket-1', prefix: '' }],
        ['s3://bucket/a/b_c/', { kind: 's3', bucket: 'bucket', prefix: 'a/b_c/' }],
        [
            's3://bucket/p?endpoint=http://127.0.0.1:8333/&region=eu-west-3&forcePathStyle=true',
            {
                kind: 's3',
                bucket: 'bucket',
                prefix: 'p/',
                endpoint: 'http://127.0.0.1:8333',
                region: 'eu-west-3',
                forcePathStyle: true,
            },
        ],
    ])('%s parses', (uri, expected) => {
        expect(parseStoreUri(uri)).toEqual(expected);
    });

    test('the canonical form round-trips and is what the store reports', () => {
        const uri = 's3://bucket/p/?endpoint=https%3A%2F%2Fs3.example.com&region=eu-west-3&forcePathStyle=false';
        expect(formatStoreUri(parseStoreUri(uri))).toBe(uri);
        expect(
            openStore('s3://bucket/p?region=eu-west-3&endpoint=https://s3.example.com&forcePathStyle=false').uri,
        ).toBe(uri);
        expect(openStore('/srv/a b').uri).toBe('fs:///srv/a%20b');
        expect(parseStoreUri(openStore('/srv/a b').uri)).toEqual({ kind: 'fs', root: '/srv/a b' });
    });

    test.each([
        ['', /it is empty/],
        ['ftp://host/x', /unknown scheme ftp:/],
        ['fs:blobs', /give a relative folder as a plain path/],
        ['fs://otherhost/x', /otherhost is not this machine/],
        ['fs:///x?y=1', /no query or fragment/],
        ['s3://Bucket', /is not a bucket name/],
        ['s3://b', /is not a bucket name/],
        ['s3://bucket:9000/x', /is not a bucket name/],
        ['s3://bucket/a//b', /prefix segment "" may only hold/],
        ['s3://bucket/a/../b', /may not contain '.' or '..' segments/],
        ['s3://bucket/a%2Fb', /prefix segment "a%2Fb"/],
        ['s3://bucket?endpont=http://x', /unknown parameter "endpont"/],
        ['s3://bucket?region=a&region=b', /region is given twice/],
        ['s3://bucket?endpoint=ftp://x', /http:\/\/ or https:\/\//],
        ['s3://bucket?endpoint=nope', /is not a URL/],
        ['s3://bucket?forcePathStyle=yes', /forcePathStyle is true or false/],
        ['s3://bucket?region=EU%20West', /is not a region name/],
        ['s3://bucket#x', /no fragment/],
    ])('%j is refused', (uri, why) => {
        expect(() => parseStoreUri(uri)).toThrow(/^BAD_STORE_URI: /);
        expect(() => parseStoreUri(uri)).toThrow(why);
    });

    test('credentials in a URI are refused without echoing them', () => {
        for (const uri of ['s3://AKIA:hunter2@bucket/x', 's3://bucket?endpoint=http://AKIA:hunter2@127.0.0.1:1']) {
            expect(() => parseStoreUri(uri)).toThrow(/^BAD_STORE_URI: .*credentials do not belong in a store URI/);
            expect(() => parseStoreUri(uri)).not.toThrow(/hunter2/);
        }
    });

    test('bad s3 options are refused', () => {
        expect(() => openStore('s3://bucket', { s3: { partSize: 1024 } })).toThrow(/^BAD_STORE_OPTIONS: partSize/);
        expect(() => openStore('s3://bucket', { s3: { queueSize: 0 } })).toThrow(/^BAD_STORE_OPTIONS: queueSize/);
    });
});

describe('locators', () => {
    test('format and parse are inverse', () => {
        expect(formatLocator('s3', 'sm3', HEX)).toBe(`s3:sm3/${HEX}`);
        expect(parseLocator(`fs:sha256/${HEX}`)).toEqual({ kind: 'fs', digestAlg: 'sha256', digest: HEX });
        expect(parseLocator(`fs:sha256/${HEX}`, 'fs').kind).toBe('fs');
        expect(parseLocator(`s3:sm3-tree/${HEX}`)).toEqual({ kind: 's3', digestAlg: 'sm3-tree', digest: HEX });
        expect(formatLocator('fs', 'sha256-tree', HEX)).toBe(`fs:sha256-tree/${HEX}`);
    });

    test.each([
        `fs:sha256/${HEX.toUpperCase()}`,
        `fs:sha256/${HEX}\n`,
        ` fs:sha256/${HEX}`,
        `fs:/sha256/${HEX}`,
        `fs://sha256/${HEX}`,
        `gs:sha256/${HEX}`,
        `fs:sha256/${HEX.slice(2)}/..`,
        `fs:sha256-list/${HEX}`,
        `fs:sha256tree/${HEX}`,
        'fs:sha256/' + '../'.repeat(30),
    ])('%j is not a locator', (locator) => {
        expect(() => parseLocator(locator)).toThrow(/^BAD_LOCATOR: .* is not a blob locator; expected <fs\|s3>:/);
    });

    test('a locator of another kind of store is WRONG_STORE', () => {
        expect(() => parseLocator(`s3:sm3/${HEX}`, 'fs')).toThrow(
            /^WRONG_STORE: s3:sm3\/.* names an object in an s3 store, but the configured store is fs/,
        );
    });
});
