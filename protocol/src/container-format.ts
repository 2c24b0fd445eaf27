/**
 * The byte layout of a Sealpact container header (format version 1), kept apart from the
 * cryptography so the layout can be read in one place next to docs/format.md, and shared by the
 * Node SDK and the browser.
 *
 * ```
 * offset  size  field
 *      0     8  magic "SEALPACT" (ASCII)
 *      8     1  format version (1)
 *      9     1  suite id (1 = intl, 2 = gm)
 *     10     4  chunk size in plaintext bytes, uint32 big-endian
 *     14    32  salt (CSPRNG)
 *     46     2  AAD length n, uint16 big-endian
 *     48     n  AAD (the caller's associated data, e.g. a file id)
 *   48+n    32  header tag: HMAC over bytes [0, 48+n)
 * ```
 */
import { utf8ToBytes } from '@noble/hashes/utils';
import { equalBytes } from './bytes';
import { CodeOf, CryptoError } from './errors';
import { Suite } from './suites';

const MAGIC = utf8ToBytes('SEALPACT');
export const FORMAT_VERSION = 1;
const SUITE_IDS: Readonly<Record<Suite, number>> = { intl: 1, gm: 2 };

/**
 * 1 MiB: each chunk costs a fresh cipher context and a tag, which at 64 KiB took a tenth of an
 * AES-GCM pass; a decoder holds about two chunks, so memory stays a few MiB for any file size.
 */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/** Small chunks only add overhead; the floor keeps the tag overhead under 4 %. */
export const MIN_CHUNK_SIZE = 1024;
/** A decoder holds about two chunks in memory, so the ceiling bounds what a hostile header can make it allocate. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const SALT_LENGTH = 32;
/** The AAD length field is 16 bits wide. */
export const MAX_AAD_LENGTH = 0xffff;
const HEADER_TAG_LENGTH = 32;

const OFFSET_VERSION = MAGIC.length;
const OFFSET_SUITE = OFFSET_VERSION + 1;
const OFFSET_CHUNK_SIZE = OFFSET_SUITE + 1;
const OFFSET_SALT = OFFSET_CHUNK_SIZE + 4;
const OFFSET_AAD_LENGTH = OFFSET_SALT + SALT_LENGTH;
/** Length of the header up to and including the AAD length field. */
const FIXED_LENGTH = OFFSET_AAD_LENGTH + 2;
/** The longest header there can be; a decoder never needs to look further ahead than this. */
export const MAX_HEADER_LENGTH = FIXED_LENGTH + MAX_AAD_LENGTH + HEADER_TAG_LENGTH;
/** Bytes of the header up to its AAD: enough to learn the header's length. */
export const HEADER_FIXED_LENGTH = FIXED_LENGTH;

/** The whole header's length, from its first HEADER_FIXED_LENGTH bytes (not checked here: see parseHeader). */
export function headerLength(fixed: Uint8Array): number {
    return FIXED_LENGTH + view(fixed).getUint16(OFFSET_AAD_LENGTH) + HEADER_TAG_LENGTH;
}

function view(bytes: Uint8Array): DataView {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The header fields, as the encoder chooses them and the decoder reads them. */
export interface ContainerHeader {
    suite: Suite;
    chunkSize: number;
    salt: Uint8Array;
    aad: Uint8Array;
}

/** A header read from the front of a container, not yet authenticated. */
export interface ParsedHeader {
    header: ContainerHeader;
    /** The bytes the header tag covers. */
    body: Uint8Array;
    /** The header tag as stored. */
    tag: Uint8Array;
    /** Total header length: body plus tag. The first chunk starts here. */
    length: number;
}

/**
 * Refuse chunk sizes outside the format's bounds (on encode and on decode). Header errors here and
 * below name the field and its offset, never the bytes read: the input may not be a container.
 */
function checkChunkSize(chunkSize: number, code: CodeOf<'crypto'>, field: string): void {
    if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
        throw new CryptoError(code, `${field} must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
    }
}

/** Refuse AAD longer than the 16-bit length field can describe. */
function checkAad(aad: Uint8Array): void {
    if (aad.length > MAX_AAD_LENGTH) {
        throw new CryptoError('BAD_ARGUMENT', `AAD is ${aad.length} bytes; at most ${MAX_AAD_LENGTH} allowed`);
    }
}

/** Encode the header fields that the header tag covers (everything but the tag). */
export function encodeHeaderBody(header: ContainerHeader): Uint8Array {
    checkChunkSize(header.chunkSize, 'BAD_ARGUMENT', 'the chunk size');
    checkAad(header.aad);
    if (header.salt.length !== SALT_LENGTH) {
        throw new CryptoError('BAD_ARGUMENT', `salt must be ${SALT_LENGTH} bytes`);
    }
    const body = new Uint8Array(FIXED_LENGTH + header.aad.length);
    body.set(MAGIC, 0);
    body[OFFSET_VERSION] = FORMAT_VERSION;
    body[OFFSET_SUITE] = SUITE_IDS[header.suite];
    view(body).setUint32(OFFSET_CHUNK_SIZE, header.chunkSize);
    body.set(header.salt, OFFSET_SALT);
    view(body).setUint16(OFFSET_AAD_LENGTH, header.aad.length);
    body.set(header.aad, FIXED_LENGTH);
    return body;
}

function suiteOf(id: number): Suite {
    const entry = Object.entries(SUITE_IDS).find(([, value]) => value === id);
    if (entry === undefined) {
        throw new CryptoError(
            'UNSUPPORTED_SUITE',
            `the suite (header byte ${OFFSET_SUITE}) is not one this version knows`,
        );
    }
    return entry[0] as Suite;
}

/**
 * Read a header from the first bytes of a container. Each field is checked as soon as its bytes
 * are present, so a file that is not a container (or is from a newer format version) is refused
 * with a specific error even when it is only a few bytes long.
 *
 * @param bytes the first bytes of the container (any length; more than the header is ignored)
 * @returns the parsed header, or `undefined` when more bytes are needed
 * @throws SealpactError BAD_MAGIC, UNSUPPORTED_VERSION, UNSUPPORTED_SUITE or BAD_HEADER
 */
export function parseHeader(bytes: Uint8Array): ParsedHeader | undefined {
    const magicSeen = Math.min(bytes.length, MAGIC.length);
    if (!equalBytes(bytes.subarray(0, magicSeen), MAGIC.subarray(0, magicSeen))) {
        throw new CryptoError('BAD_MAGIC', 'not a Sealpact container (bad magic bytes)');
    }
    if (bytes.length > OFFSET_VERSION && bytes[OFFSET_VERSION] !== FORMAT_VERSION) {
        throw new CryptoError(
            'UNSUPPORTED_VERSION',
            `the format version (header byte ${OFFSET_VERSION}) is not ${FORMAT_VERSION}, the only one this reader knows`,
        );
    }
    const suite = bytes.length > OFFSET_SUITE ? suiteOf(bytes[OFFSET_SUITE] ?? 0) : undefined;
    if (bytes.length >= OFFSET_SALT) {
        const field = `the chunk size (header bytes ${OFFSET_CHUNK_SIZE}..${OFFSET_SALT - 1})`;
        checkChunkSize(view(bytes).getUint32(OFFSET_CHUNK_SIZE), 'BAD_HEADER', field);
    }
    if (suite === undefined || bytes.length < FIXED_LENGTH) {
        return undefined;
    }
    const aadLength = view(bytes).getUint16(OFFSET_AAD_LENGTH);
    const bodyLength = FIXED_LENGTH + aadLength;
    const length = bodyLength + HEADER_TAG_LENGTH;
    if (bytes.length < length) {
        return undefined;
    }
    // Copies, so the header does not pin the caller's (possibly large) read buffer.
    const body = bytes.slice(0, bodyLength);
    return {
        header: {
            suite,
            chunkSize: view(body).getUint32(OFFSET_CHUNK_SIZE),
            salt: body.subarray(OFFSET_SALT, OFFSET_SALT + SALT_LENGTH),
            aad: body.subarray(FIXED_LENGTH),
        },
        body,
        tag: bytes.slice(bodyLength, length),
        length,
    };
}

/** Nonce length for every chunk, in both suites. */
const NONCE_LENGTH = 12;
const LAST_FLAG_OFFSET = NONCE_LENGTH - 1;

/**
 * The 12-byte nonce of chunk `index`: an 11-byte big-endian chunk counter followed by a flag byte,
 * 0x01 on the final chunk and 0x00 on every other one (age's STREAM construction). The counter
 * stops reordering and dropping; the flag stops truncation at a chunk boundary.
 */
export function chunkNonce(index: number, last: boolean): Uint8Array {
    const nonce = new Uint8Array(NONCE_LENGTH);
    // The top three counter bytes stay zero: 2^64 chunks is more than any file can have.
    view(nonce).setBigUint64(LAST_FLAG_OFFSET - 8, BigInt(index));
    nonce[LAST_FLAG_OFFSET] = last ? 1 : 0;
    return nonce;
}

/** HKDF info string of one container key, e.g. `sealpact/v1/gm/payload-mac` (docs/format.md, Keys). */
export function containerKeyInfo(suite: Suite, purpose: string): Uint8Array {
    return utf8ToBytes(`sealpact/v${FORMAT_VERSION}/${suite}/${purpose}`);
}

/** Segment size of the tree ciphertext digest (docs/format.md, version 2). */
export const DIGEST_SEGMENT_SIZE = 1024 * 1024;
/** The root input's first byte; a leaf input's is 00. */
export const DIGEST_ROOT_PREFIX = 0x01;

/**
 * leaf_i's input before the segment's bytes: 00 ‖ uint64 index ‖ uint32 length ‖ 01 on the last
 * segment, 00 before it (docs/format.md).
 */
export function digestLeafPrefix(index: number, length: number, last: boolean): Uint8Array {
    const prefix = new Uint8Array(14);
    view(prefix).setBigUint64(1, BigInt(index));
    view(prefix).setUint32(9, length);
    prefix[13] = last ? 1 : 0;
    return prefix;
}
