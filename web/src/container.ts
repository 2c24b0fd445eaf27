import {
    bytesToHex,
    chunkNonce,
    constantTimeEqual,
    containerKeyInfo,
    CryptoError,
    DEFAULT_CHUNK_SIZE,
    DIGEST_ROOT_PREFIX,
    DIGEST_SEGMENT_SIZE,
    digestLeafPrefix,
    encodeHeaderBody,
    equalBytes,
    parseHeader,
    SALT_LENGTH,
    utf8,
} from '@sealpact/protocol';
import { browserPrimitives } from './primitives';
import { source } from './buffer-source';

/**
 * The Sealpact container (docs/format.md) in the browser, suite `intl`: the header layout, nonces
 * and key derivation come from @sealpact/protocol, shared with the Node SDK; each chunk is
 * AES-256-GCM by WebCrypto. The `gm` suite's SM4-CTR has no audited browser implementation here
 * yet (docs/web.md), so the browser sends `intl` and refuses to open `gm` containers.
 */

const SUITE = 'intl';
const TAG_LENGTH = 16;

/** Progress of a long operation, 0 to 1. */
export type Progress = (fraction: number) => void;

interface Keys {
    headerKey: Uint8Array;
    aes: CryptoKey;
}

async function deriveKeys(password: Uint8Array, salt: Uint8Array): Promise<Keys> {
    const headerKey = browserPrimitives.hkdf('sha256', password, salt, containerKeyInfo(SUITE, 'header'), 32);
    const payload = browserPrimitives.hkdf('sha256', password, salt, containerKeyInfo(SUITE, 'payload'), 32);
    const aes = await crypto.subtle.importKey('raw', source(payload), 'AES-GCM', false, ['encrypt', 'decrypt']);
    payload.fill(0);
    return { headerKey, aes };
}

function gcm(nonce: Uint8Array, headerTag: Uint8Array): AesGcmParams {
    return { name: 'AES-GCM', iv: source(nonce), additionalData: source(headerTag), tagLength: TAG_LENGTH * 8 };
}

/** Encrypt a file held in memory into a container bound to `aad` (the file id); the container's parts. */
export async function encryptContainer(
    plaintext: Uint8Array,
    password: Uint8Array,
    aad: string,
    progress: Progress,
): Promise<Uint8Array[]> {
    const salt = browserPrimitives.randomBytes(SALT_LENGTH);
    const keys = await deriveKeys(password, salt);
    const body = encodeHeaderBody({ suite: SUITE, chunkSize: DEFAULT_CHUNK_SIZE, salt, aad: utf8(aad) });
    const headerTag = browserPrimitives.hmac('sha256', keys.headerKey, body);
    keys.headerKey.fill(0);
    const parts = [body, headerTag];
    const count = Math.max(1, Math.ceil(plaintext.length / DEFAULT_CHUNK_SIZE));
    for (let index = 0; index < count; index++) {
        const chunk = plaintext.subarray(index * DEFAULT_CHUNK_SIZE, (index + 1) * DEFAULT_CHUNK_SIZE);
        const nonce = chunkNonce(index, index === count - 1);
        parts.push(new Uint8Array(await crypto.subtle.encrypt(gcm(nonce, headerTag), keys.aes, source(chunk))));
        progress((index + 1) / count);
    }
    return parts;
}

/**
 * Decrypt a whole container: header authenticated, AAD checked, then every chunk in order by the
 * decoding rules of docs/format.md. Throws the container's CryptoError codes.
 */
export async function decryptContainer(
    container: Uint8Array,
    password: Uint8Array,
    aad: string,
    progress: Progress,
): Promise<Uint8Array> {
    const parsed = parseHeader(container);
    if (parsed === undefined) {
        throw new CryptoError('TRUNCATED', 'the container ends inside its header');
    }
    if (parsed.header.suite !== SUITE) {
        throw new CryptoError('UNSUPPORTED_SUITE', 'this browser client opens intl containers only (docs/web.md)');
    }
    const keys = await deriveKeys(password, parsed.header.salt);
    const headerTag = browserPrimitives.hmac('sha256', keys.headerKey, parsed.body);
    keys.headerKey.fill(0);
    if (!constantTimeEqual(headerTag, parsed.tag)) {
        throw new CryptoError(
            'HEADER_AUTH_FAILED',
            'header authentication failed: wrong file password, or the header was altered',
        );
    }
    if (!equalBytes(parsed.header.aad, utf8(aad))) {
        throw new CryptoError('AAD_MISMATCH', 'the container is bound to other associated data');
    }
    const wire = parsed.header.chunkSize + TAG_LENGTH;
    const chunks = container.subarray(parsed.length);
    const count = Math.max(1, Math.ceil(chunks.length / wire));
    const plaintext = new Uint8Array(Math.max(0, chunks.length - count * TAG_LENGTH));
    for (let index = 0; index < count; index++) {
        const chunk = chunks.subarray(index * wire, (index + 1) * wire);
        const opened = await openChunk(keys.aes, headerTag, chunk, index, index === count - 1, wire);
        plaintext.set(opened, index * parsed.header.chunkSize);
        progress((index + 1) / count);
    }
    return plaintext;
}

/** One chunk by the rules of docs/format.md, Decoding, steps 3 and 4. */
async function openChunk(
    aes: CryptoKey,
    headerTag: Uint8Array,
    chunk: Uint8Array,
    index: number,
    last: boolean,
    wire: number,
): Promise<Uint8Array> {
    const open = (final: boolean) =>
        crypto.subtle.decrypt(gcm(chunkNonce(index, final), headerTag), aes, source(chunk)).then(
            (plain) => new Uint8Array(plain),
            () => undefined,
        );
    if (last && chunk.length < TAG_LENGTH) {
        throw new CryptoError('TRUNCATED', `the input ends before the final chunk (at chunk ${index})`);
    }
    const asFinal = await open(true);
    if (!last) {
        if (asFinal !== undefined)
            throw new CryptoError('TRAILING_DATA', `data follows the final chunk (chunk ${index})`);
        const plain = await open(false);
        if (plain === undefined) throw chunkAuthFailed(index);
        return plain;
    }
    if (asFinal === undefined) {
        if (chunk.length === wire && (await open(false)) !== undefined) {
            throw new CryptoError('TRUNCATED', `the input ends after chunk ${index}, which is not the final chunk`);
        }
        throw chunkAuthFailed(index);
    }
    if (asFinal.length === 0 && index > 0) {
        throw new CryptoError('EMPTY_FINAL_CHUNK', `chunk ${index} is an empty final chunk after data`);
    }
    return asFinal;
}

function chunkAuthFailed(index: number): CryptoError {
    return new CryptoError(
        'CHUNK_AUTH_FAILED',
        `chunk ${index} failed authentication: the ciphertext was altered, reordered or cut short`,
    );
}

/** The container's sha256-tree ciphertext digest (docs/format.md, version 2), hex; segments hashed by WebCrypto. */
export async function treeDigest(parts: Uint8Array[]): Promise<string> {
    const bytes = parts.length === 1 && parts[0] !== undefined ? parts[0] : concat(parts);
    const count = Math.max(1, Math.ceil(bytes.length / DIGEST_SEGMENT_SIZE));
    const root = new Uint8Array(1 + 32 * count);
    root[0] = DIGEST_ROOT_PREFIX;
    for (let index = 0; index < count; index++) {
        const segment = bytes.subarray(index * DIGEST_SEGMENT_SIZE, (index + 1) * DIGEST_SEGMENT_SIZE);
        const leaf = concat([digestLeafPrefix(index, segment.length, index === count - 1), segment]);
        root.set(new Uint8Array(await crypto.subtle.digest('SHA-256', source(leaf))), 1 + 32 * index);
    }
    return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', source(root))));
}

export function concat(parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
    }
    return out;
}
