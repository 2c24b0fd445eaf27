import { concatBytes as concat } from '@noble/hashes/utils';
import {
    chunkNonce,
    constantTimeEqual,
    containerKeyInfo,
    CryptoError,
    DEFAULT_CHUNK_SIZE,
    encodeHeaderBody,
    equalBytes,
    HEADER_FIXED_LENGTH,
    headerLength,
    parseHeader,
    SALT_LENGTH,
    Suite,
    SUITE_DIGEST,
    utf8,
} from '@sealpact/protocol';
import { ByteReader } from './byte-reader';
import { browserPrimitives } from './primitives';
import { source } from './buffer-source';
import { sm4Ctr } from './sm4-ctr';

/**
 * The Sealpact container (docs/format.md) in the browser, both suites, as streams: the header
 * layout, nonces and key derivation come from @sealpact/protocol, shared with the Node SDK; each
 * chunk is AES-256-GCM by WebCrypto (intl) or SM4-CTR then HMAC-SM3 (gm, sm4-ctr.ts and the
 * browser primitives). Encryption and decryption hold one chunk and one piece of their input at a
 * time, whatever the file's size.
 */

const HEADER_TAG_LENGTH = 32;

/** How one suite seals and opens chunk `index` of a container whose header tag is bound into every chunk. */
interface ChunkCipher {
    /** The chunk tag's length: 16 (intl) or 32 (gm). */
    readonly tagLength: number;
    /** ciphertext ‖ tag. */
    seal(plaintext: Uint8Array, index: number, last: boolean): Promise<Uint8Array>;
    /** The plaintext, or undefined when the chunk does not authenticate with this index and flag. */
    open(chunk: Uint8Array, index: number, last: boolean): Promise<Uint8Array | undefined>;
    /** Zero the key bytes this page holds. */
    forget(): void;
}

const TAG_LENGTHS: Readonly<Record<Suite, number>> = { intl: 16, gm: 32 };

function key(suite: Suite, password: Uint8Array, salt: Uint8Array, purpose: string, length: number): Uint8Array {
    return browserPrimitives.hkdf(SUITE_DIGEST[suite], password, salt, containerKeyInfo(suite, purpose), length);
}

async function intlCipher(password: Uint8Array, salt: Uint8Array, headerTag: Uint8Array): Promise<ChunkCipher> {
    const payload = key('intl', password, salt, 'payload', 32);
    const aes = await crypto.subtle.importKey('raw', source(payload), 'AES-GCM', false, ['encrypt', 'decrypt']);
    payload.fill(0);
    const gcm = (index: number, last: boolean): AesGcmParams => ({
        name: 'AES-GCM',
        iv: source(chunkNonce(index, last)),
        additionalData: source(headerTag),
        tagLength: TAG_LENGTHS.intl * 8,
    });
    return {
        tagLength: TAG_LENGTHS.intl,
        seal: async (plaintext, index, last) =>
            new Uint8Array(await crypto.subtle.encrypt(gcm(index, last), aes, source(plaintext))),
        open: (chunk, index, last) =>
            crypto.subtle.decrypt(gcm(index, last), aes, source(chunk)).then(
                (plain) => new Uint8Array(plain),
                () => undefined,
            ),
        forget: () => undefined, // the AES key is a non-extractable CryptoKey
    };
}

/** gm: ciphertext = SM4-CTR(K_sm4, nonce ‖ 00000000), tag = HMAC-SM3(K_mac, HT ‖ nonce ‖ ciphertext). */
function gmCipher(password: Uint8Array, salt: Uint8Array, headerTag: Uint8Array): ChunkCipher {
    const sm4Key = key('gm', password, salt, 'payload-sm4', 16);
    const macKey = key('gm', password, salt, 'payload-mac', 32);
    const counter = (nonce: Uint8Array) => concat(nonce, new Uint8Array(4));
    const mac = (nonce: Uint8Array, ciphertext: Uint8Array) =>
        browserPrimitives.hmac('sm3', macKey, concat(headerTag, nonce, ciphertext));
    const tagLength = TAG_LENGTHS.gm;
    return {
        tagLength,
        seal: (plaintext, index, last) => {
            const nonce = chunkNonce(index, last);
            const ciphertext = sm4Ctr(sm4Key, counter(nonce), plaintext);
            return Promise.resolve(concat(ciphertext, mac(nonce, ciphertext)));
        },
        open: (chunk, index, last) => {
            const nonce = chunkNonce(index, last);
            const ciphertext = chunk.subarray(0, chunk.length - tagLength);
            // The tag is checked before anything is decrypted (encrypt-then-MAC).
            const authentic = constantTimeEqual(mac(nonce, ciphertext), chunk.subarray(chunk.length - tagLength));
            return Promise.resolve(authentic ? sm4Ctr(sm4Key, counter(nonce), ciphertext) : undefined);
        },
        forget: () => {
            sm4Key.fill(0);
            macKey.fill(0);
        },
    };
}

interface Keyed {
    headerTag: Uint8Array;
    cipher: ChunkCipher;
}

/** The header tag over `body` and the chunk cipher bound to it, from the file password and salt. */
async function keyed(suite: Suite, password: Uint8Array, salt: Uint8Array, body: Uint8Array): Promise<Keyed> {
    const headerKey = key(suite, password, salt, 'header', 32);
    const headerTag = browserPrimitives.hmac(SUITE_DIGEST[suite], headerKey, body);
    headerKey.fill(0);
    const cipher = suite === 'intl' ? await intlCipher(password, salt, headerTag) : gmCipher(password, salt, headerTag);
    return { headerTag, cipher };
}

/** The container's length for a plaintext of `length` bytes (docs/format.md, Chunks: sizes). */
export function containerSize(length: number, suite: Suite, aad: string, chunkSize = DEFAULT_CHUNK_SIZE): number {
    const chunks = Math.max(1, Math.ceil(length / chunkSize));
    return 48 + utf8(aad).length + HEADER_TAG_LENGTH + length + TAG_LENGTHS[suite] * chunks;
}

/**
 * Encrypt a plaintext read as a stream of pieces (any sizes) into a container bound to `aad` (the
 * file id): the header, then each chunk as it is sealed.
 */
export async function* encryptContainer(
    plaintext: AsyncIterable<Uint8Array>,
    password: Uint8Array,
    aad: string,
    suite: Suite,
    chunkSize = DEFAULT_CHUNK_SIZE,
): AsyncGenerator<Uint8Array> {
    const salt = browserPrimitives.randomBytes(SALT_LENGTH);
    const body = encodeHeaderBody({ suite, chunkSize, salt, aad: utf8(aad) });
    const { headerTag, cipher } = await keyed(suite, password, salt, body);
    try {
        yield concat(body, headerTag);
        const reader = new ByteReader(plaintext);
        for (let index = 0; ; index++) {
            const chunk = await reader.read(chunkSize);
            const last = await reader.atEnd();
            yield await cipher.seal(chunk, index, last);
            if (last) return;
        }
    } finally {
        cipher.forget();
    }
}

/**
 * Decrypt a container read as a stream of pieces (any sizes): the header authenticated and its
 * AAD checked, then each chunk's plaintext yielded once that chunk authenticated, by the decoding
 * rules of docs/format.md. The plaintext is complete only when the generator ends without error.
 * Throws the container's CryptoError codes.
 */
export async function* decryptContainer(
    container: AsyncIterable<Uint8Array>,
    password: Uint8Array,
    aad: string,
): AsyncGenerator<Uint8Array> {
    const reader = new ByteReader(container);
    const parsed = await readHeader(reader);
    const { suite, salt, chunkSize } = parsed.header;
    const { headerTag, cipher } = await keyed(suite, password, salt, parsed.body);
    try {
        if (!constantTimeEqual(headerTag, parsed.tag)) {
            throw new CryptoError(
                'HEADER_AUTH_FAILED',
                'header authentication failed: wrong file password, or the header was altered',
            );
        }
        if (!equalBytes(parsed.header.aad, utf8(aad))) {
            throw new CryptoError('AAD_MISMATCH', 'the container is bound to other associated data');
        }
        const wire = chunkSize + cipher.tagLength;
        for (let index = 0; ; index++) {
            const chunk = await reader.read(wire);
            const last = await reader.atEnd();
            yield await openChunk(cipher, chunk, index, last, wire);
            if (last) return;
        }
    } finally {
        cipher.forget();
    }
}

/** The header, field by field as parseHeader checks them (docs/format.md, Decoding, step 1). */
async function readHeader(reader: ByteReader): Promise<NonNullable<ReturnType<typeof parseHeader>>> {
    const fixed = await reader.read(HEADER_FIXED_LENGTH);
    parseHeader(fixed); // refuses a wrong field even in a short input
    const whole =
        fixed.length === HEADER_FIXED_LENGTH
            ? concat(fixed, await reader.read(headerLength(fixed) - fixed.length))
            : fixed;
    const parsed = parseHeader(whole);
    if (parsed === undefined) throw new CryptoError('TRUNCATED', 'the container ends inside its header');
    return parsed;
}

/** One chunk by the rules of docs/format.md, Decoding, steps 3 and 4. */
async function openChunk(
    cipher: ChunkCipher,
    chunk: Uint8Array,
    index: number,
    last: boolean,
    wire: number,
): Promise<Uint8Array> {
    if (last && chunk.length < cipher.tagLength) {
        throw new CryptoError('TRUNCATED', `the input ends before the final chunk (at chunk ${index})`);
    }
    const asFinal = await cipher.open(chunk, index, true);
    if (!last) {
        if (asFinal !== undefined)
            throw new CryptoError('TRAILING_DATA', `data follows the final chunk (chunk ${index})`);
        const plain = await cipher.open(chunk, index, false);
        if (plain === undefined) throw chunkAuthFailed(index);
        return plain;
    }
    if (asFinal === undefined) {
        if (chunk.length === wire && (await cipher.open(chunk, index, false)) !== undefined) {
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
