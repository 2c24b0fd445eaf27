/**
 * Store URIs: how a party names its store in flags, environment and config files.
 *
 * ```
 * fs:///absolute/folder          the fs store in that folder (file:///… is accepted too)
 * ./folder, /absolute/folder     a plain path: the same, resolved against the working folder
 * s3://bucket[/prefix][?endpoint=http://127.0.0.1:8333&region=us-east-1&forcePathStyle=true]
 * ```
 *
 * Credentials never go in a store URI (it is printed, logged and shared); the s3 store takes them
 * from options or the AWS SDK's usual sources.
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SealpactError, StoreError } from '@sealpact/protocol';
import { describe } from './locator';

/** Where an s3 store is. */
export interface S3Location {
    readonly bucket: string;
    /** Empty, or key segments each ending in '/'. */
    readonly prefix: string;
    /** Service endpoint for S3-compatible services; AWS's regional endpoint when absent. */
    readonly endpoint?: string;
    readonly region?: string;
    /** Address the bucket in the path (`http://host/bucket/key`), as most S3-compatible services need. */
    readonly forcePathStyle?: boolean;
}

/** A parsed store URI. */
export type StoreAddress = { readonly kind: 'fs'; readonly root: string } | ({ readonly kind: 's3' } & S3Location);

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Conservative on purpose: these need no escaping anywhere (keys, CopySource, URIs, shells). */
const PREFIX_SEGMENT_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const REGION_PATTERN = /^[a-z0-9-]{1,64}$/;
const S3_PARAMETERS = new Set(['endpoint', 'region', 'forcePathStyle']);
const SCHEME_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Parse a store URI.
 *
 * @throws SealpactError BAD_STORE_URI naming what is wrong
 */
export function parseStoreUri(uri: string): StoreAddress {
    if (typeof uri !== 'string' || uri.trim() === '') {
        throw bad(uri, 'it is empty');
    }
    const scheme = SCHEME_PATTERN.exec(uri)?.[1];
    if (scheme === undefined) {
        return { kind: 'fs', root: resolve(uri) };
    }
    let url: URL;
    try {
        url = new URL(uri);
    } catch {
        throw bad(uri, 'it is not a valid URI');
    }
    switch (scheme.toLowerCase()) {
        case 'fs':
        case 'file':
            return parseFsUri(uri, url);
        case 's3':
            return parseS3Uri(uri, url);
        default:
            throw bad(uri, `unknown scheme ${scheme}: (use fs:///folder, a folder path, or s3://bucket/prefix)`);
    }
}

/** The canonical form of a parsed store URI: what {@link BlobStore.uri} reports. */
export function formatStoreUri(address: StoreAddress): string {
    if (address.kind === 'fs') {
        return pathToFileURL(address.root).href.replace(/^file:/, 'fs:');
    }
    const query = new URLSearchParams();
    if (address.endpoint !== undefined) query.set('endpoint', address.endpoint);
    if (address.region !== undefined) query.set('region', address.region);
    if (address.forcePathStyle !== undefined) query.set('forcePathStyle', String(address.forcePathStyle));
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return `s3://${address.bucket}/${address.prefix}${search}`;
}

function parseFsUri(uri: string, url: URL): StoreAddress {
    if (url.search !== '' || url.hash !== '') {
        throw bad(uri, 'an fs store URI takes no query or fragment');
    }
    if (!uri.includes('://')) {
        throw bad(
            uri,
            'an fs store URI names an absolute folder, fs:///folder; give a relative folder as a plain path',
        );
    }
    if (url.host !== '' && url.host !== 'localhost') {
        throw bad(uri, `the fs store is local; ${url.host} is not this machine (use fs:///folder)`);
    }
    try {
        return { kind: 'fs', root: fileURLToPath(`file://${url.pathname}`) };
    } catch {
        throw bad(uri, 'its path does not name a folder');
    }
}

function parseS3Uri(uri: string, url: URL): StoreAddress {
    if (url.username !== '' || url.password !== '') {
        throw bad(
            '(an s3 URI with credentials)',
            'credentials do not belong in a store URI; use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the store options',
        );
    }
    if (url.hash !== '') {
        throw bad(uri, 'an s3 store URI takes no fragment');
    }
    const bucket = url.hostname;
    if (url.port !== '' || !BUCKET_PATTERN.test(bucket) || bucket.includes('..')) {
        throw bad(
            uri,
            `${describe(url.host)} is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`,
        );
    }
    // URL would silently resolve dot segments; a prefix is taken literally or refused.
    const [beforeQuery = ''] = uri.slice('s3://'.length).split(/[?#]/, 1);
    if (/(^|\/)\.{1,2}(\/|$)/.test(beforeQuery)) {
        throw bad(uri, "the key prefix may not contain '.' or '..' segments");
    }
    const segments = url.pathname
        .split('/')
        .filter((segment, i, all) => !(i === 0 || (i === all.length - 1 && segment === '')));
    for (const segment of segments) {
        if (!PREFIX_SEGMENT_PATTERN.test(segment)) {
            throw bad(
                uri,
                `the key prefix segment ${describe(segment)} may only hold letters, digits, '.', '_' and '-'`,
            );
        }
    }
    const prefix = segments.map((segment) => `${segment}/`).join('');
    let address: StoreAddress = { kind: 's3', bucket, prefix };
    const seen = new Set<string>();
    for (const [name, value] of url.searchParams) {
        if (!S3_PARAMETERS.has(name)) {
            throw bad(uri, `unknown parameter ${describe(name)} (known: ${[...S3_PARAMETERS].join(', ')})`);
        }
        if (seen.has(name)) {
            throw bad(uri, `the parameter ${name} is given twice`);
        }
        seen.add(name);
        address = { ...address, ...parseS3Parameter(uri, name, value) };
    }
    return address;
}

function parseS3Parameter(uri: string, name: string, value: string): Partial<S3Location> {
    if (name === 'region') {
        if (!REGION_PATTERN.test(value)) {
            throw bad(uri, `${describe(value)} is not a region name`);
        }
        return { region: value };
    }
    if (name === 'forcePathStyle') {
        if (value !== 'true' && value !== 'false') {
            throw bad(uri, 'forcePathStyle is true or false');
        }
        return { forcePathStyle: value === 'true' };
    }
    let endpoint: URL;
    try {
        endpoint = new URL(value);
    } catch {
        throw bad(uri, `the endpoint ${describe(value)} is not a URL (e.g. http://127.0.0.1:8333)`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
        throw bad(uri, 'the endpoint must be an http:// or https:// URL');
    }
    if (endpoint.username !== '' || endpoint.password !== '') {
        throw bad('(an s3 URI with credentials in its endpoint)', 'credentials do not belong in a store URI');
    }
    if (endpoint.search !== '' || endpoint.hash !== '') {
        throw bad(uri, 'the endpoint takes no query or fragment');
    }
    return { endpoint: endpoint.href.replace(/\/$/, '') };
}

function bad(uri: unknown, why: string): SealpactError {
    return new StoreError('BAD_STORE_URI', `${describe(uri)} is not a store URI: ${why}`);
}
