/**
 * Writing and reading a container chunk by chunk (docs/format.md), for the stream (stream.ts) and
 * the file (filecipher.ts) paths alike: each chunk is sealed or opened in place, in a buffer shared
 * with the crypto pool, so several chunks are in work at once on several cores. Callers hand the
 * chunks over in order and take the results in the same order; how bytes get in and out is theirs.
 *
 * Framing follows age's STREAM: fixed-size chunks, each sealed under a nonce made of its index and
 * a last-chunk flag. A chunk is sealed as not the last only once the next byte is known to exist.
 */
import { timingSafeEqual } from 'node:crypto';
import {
    CiphertextDigestAlgorithm,
    CryptoError,
    equalBytes,
    SealpactError,
    Suite,
    chunkNonce,
    ContainerHeader,
    DEFAULT_CHUNK_SIZE,
    encodeHeaderBody,
    MAX_HEADER_LENGTH,
    parseHeader,
    ParsedHeader,
} from '@sealpact/protocol';
import { ChunkCipher } from './crypto-jobs';
import { CryptoPool, cryptoPool } from './crypto-pool';
import { checkFilePassword, ContainerKeys, deriveContainerKeys } from './suites';

/** Options for writing a container. */
export interface EncryptOptions {
    suite: Suite;
    /** The 32-byte file password. */
    password: Uint8Array;
    /** Associated data stored in the header and authenticated (e.g. the file id); a string is UTF-8. */
    aad?: Uint8Array | string;
    /** Plaintext bytes per chunk, 1 KiB to 16 MiB; 1 MiB by default. */
    chunkSize?: number;
    /** The ciphertext digest to compute: the suite's tree digest (sha256-tree, sm3-tree) by default. */
    digestAlgorithm?: CiphertextDigestAlgorithm;
}

/** Options for reading a container. The suite and chunk size come from the header. */
export interface DecryptOptions {
    /** The 32-byte file password. */
    password: Uint8Array;
    /** The associated data the container must carry; empty when omitted. A string is UTF-8. */
    aad?: Uint8Array | string;
    /** The ciphertext digest to compute (e.g. the one on the ledger): the suite's tree digest by default. */
    digestAlgorithm?: CiphertextDigestAlgorithm;
}

function toBytes(aad: Uint8Array | string | undefined): Buffer {
    return typeof aad === 'string' ? Buffer.from(aad, 'utf8') : Buffer.from(aad ?? []);
}

/** A buffer for one chunk on the wire, shared with the pool's workers. */
function chunkBuffer(chunkSize: number, tagLength: number): Buffer {
    return Buffer.from(new SharedArrayBuffer(chunkSize + tagLength));
}

/** The chunk geometry both sides share. */
abstract class ChunkWork {
    /** The next chunk's index. */
    protected index = 0;

    constructor(
        protected readonly keys: ContainerKeys,
        protected readonly cipher: ChunkCipher,
        readonly chunkSize: number,
        protected readonly pool: CryptoPool,
    ) {}

    get tagLength(): number {
        return this.keys.tagLength;
    }

    /** Bytes of a full chunk on the wire: plaintext plus tag. */
    get wireLength(): number {
        return this.chunkSize + this.keys.tagLength;
    }

    /** A buffer for one chunk (wireLength bytes), shared with the pool's workers. */
    newChunkBuffer(): Buffer {
        return chunkBuffer(this.chunkSize, this.keys.tagLength);
    }

    /** Zero the keys, once every chunk is done (or the work was dropped). */
    wipe(): void {
        this.keys.wipe();
    }
}

/** Writes a container: its header, then its chunks sealed in place. */
export class ContainerSealer extends ChunkWork {
    /** The header (body and tag): the container's first bytes. */
    readonly header: Buffer;

    /**
     * @param salt fixed only by known-answer tests: reusing a salt with the same password repeats
     *   every key and nonce. Stream and file callers draw it from the CSPRNG.
     * @throws SealpactError BAD_FILE_PASSWORD or BAD_ARGUMENT (suite, chunk size, AAD length)
     */
    constructor(options: EncryptOptions, salt: Buffer, pool: CryptoPool = cryptoPool) {
        const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
        const keys = deriveContainerKeys(options.suite, options.password, salt);
        const body = encodeHeaderBody({ suite: options.suite, chunkSize, salt, aad: toBytes(options.aad) });
        const headerTag = keys.headerTag(body);
        super(keys, keys.chunkCipher(headerTag), chunkSize, pool);
        this.header = Buffer.concat([body, headerTag]);
    }

    /**
     * Seal the next chunk: its plaintext is `buffer[0, length)` (length ≤ chunkSize; 0 only for the
     * one chunk of an empty file); once this resolves, `buffer[0, length + tagLength)` is the chunk on
     * the wire. `last` says no byte follows it. `buffer` is the pool's until then.
     */
    seal(buffer: Buffer, length: number, last: boolean): Promise<void> {
        const nonce = chunkNonce(this.index++, last);
        return this.pool.run({ kind: 'seal', cipher: this.cipher, nonce, data: buffer, length });
    }
}

/** Reads a container whose header authenticated: its chunks, opened in place. */
export class ContainerOpener extends ChunkWork {
    /**
     * Authenticate the header read from the container's first bytes and derive the keys.
     *
     * @throws SealpactError HEADER_AUTH_FAILED or AAD_MISMATCH
     */
    static open(parsed: ParsedHeader, options: DecryptOptions, pool: CryptoPool = cryptoPool): ContainerOpener {
        const password = Buffer.from(checkFilePassword(options.password)); // wiped once the keys are derived
        const { header } = parsed;
        const keys = deriveContainerKeys(header.suite, password, header.salt);
        password.fill(0);
        const headerTag = keys.headerTag(parsed.body);
        if (!timingSafeEqual(headerTag, parsed.tag)) {
            keys.wipe();
            // A wrong password and an altered header look the same to an HMAC; say both.
            throw new CryptoError(
                'HEADER_AUTH_FAILED',
                'header authentication failed: wrong file password, or the header was altered',
            );
        }
        const expectedAad = toBytes(options.aad);
        if (!equalBytes(header.aad, expectedAad)) {
            keys.wipe();
            throw new CryptoError(
                'AAD_MISMATCH',
                `the container is bound to other associated data (${header.aad.length} bytes, expected ${expectedAad.length})`,
            );
        }
        return new ContainerOpener(keys, keys.chunkCipher(headerTag), header, pool);
    }

    private constructor(
        keys: ContainerKeys,
        cipher: ChunkCipher,
        readonly header: ContainerHeader,
        pool: CryptoPool,
    ) {
        super(keys, cipher, header.chunkSize, pool);
    }

    /**
     * Open the next chunk, `buffer[0, length)` on the wire; resolves to its plaintext length, the
     * plaintext being `buffer[0, that)`. `last` says the input ends after it; a chunk that is not the
     * last is a full one (wireLength bytes). Plaintext exists only for a chunk that authenticated.
     *
     * @throws SealpactError CHUNK_AUTH_FAILED, TRAILING_DATA, TRUNCATED or EMPTY_FINAL_CHUNK
     */
    async open(buffer: Buffer, length: number, last: boolean): Promise<number> {
        const index = this.index++;
        const tagLength = this.keys.tagLength;
        if (!last) {
            // Tried as the final chunk too, only to tell truncation-and-append from damage.
            const opened = await this.run(buffer, length, [chunkNonce(index, false), chunkNonce(index, true)]);
            if (opened === 1) {
                throw new CryptoError('TRAILING_DATA', `data follows the final chunk (chunk ${index})`);
            }
            if (opened < 0) {
                throw chunkAuthFailed(index);
            }
            return length - tagLength;
        }
        if (length < tagLength) {
            throw new CryptoError('TRUNCATED', `the input ends before the final chunk (at chunk ${index})`);
        }
        // A full chunk that is not final means the input was cut after it.
        const nonces = [chunkNonce(index, true), ...(length === this.wireLength ? [chunkNonce(index, false)] : [])];
        const opened = await this.run(buffer, length, nonces);
        if (opened === 1) {
            throw new CryptoError('TRUNCATED', `the input ends after chunk ${index}, which is not the final chunk`);
        }
        if (opened < 0) {
            throw chunkAuthFailed(index);
        }
        if (length === tagLength && index > 0) {
            // Only the final chunk of an empty file may be empty (docs/format.md); a conforming
            // encoder never writes one elsewhere, so refuse rather than accept two encodings.
            throw new CryptoError('EMPTY_FINAL_CHUNK', `chunk ${index} is an empty final chunk after data`);
        }
        return length - tagLength;
    }

    private run(buffer: Buffer, length: number, nonces: Uint8Array[]): Promise<number> {
        return this.pool.run({ kind: 'open', cipher: this.cipher, nonces, data: buffer, length });
    }
}

/**
 * The header at the front of `bytes`, or undefined while more bytes are needed.
 *
 * @throws SealpactError BAD_MAGIC, UNSUPPORTED_VERSION, UNSUPPORTED_SUITE or BAD_HEADER
 */
export function headerFrom(bytes: Buffer): ParsedHeader | undefined {
    return parseHeader(bytes.subarray(0, MAX_HEADER_LENGTH));
}

function chunkAuthFailed(index: number): SealpactError {
    return new CryptoError(
        'CHUNK_AUTH_FAILED',
        `chunk ${index} failed authentication: the ciphertext was altered, reordered or cut short`,
    );
}

/** A chunk sealed or opened: its bytes are `buffer[0, length)`. */
export interface DoneChunk {
    buffer: Buffer;
    length: number;
}

/**
 * Chunks in work, taken back in the order they were handed over: at most `limit` at once, so
 * memory stays bounded. A failed chunk fails `next()`; the caller stops there.
 */
export class InOrder {
    private readonly queue: Array<Promise<DoneChunk>> = [];

    constructor(readonly limit: number) {}

    get length(): number {
        return this.queue.length;
    }

    get full(): boolean {
        return this.queue.length >= this.limit;
    }

    add(done: Promise<DoneChunk>): void {
        done.catch(() => undefined); // awaited in turn by next(); until then, not an unhandled rejection
        this.queue.push(done);
    }

    /** The oldest chunk, once done. */
    async next(): Promise<DoneChunk> {
        const head = this.queue.shift();
        if (head === undefined) {
            throw new Error('InOrder.next: no chunk in work');
        }
        return head;
    }
}

/** Chunks in work at once: two per worker of the pool, so each has the next ready. */
export function chunksInWork(pool: CryptoPool = cryptoPool): number {
    return 2 * pool.size;
}
