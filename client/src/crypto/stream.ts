/**
 * The streaming file cipher: Node Transform streams that write and read Sealpact containers
 * (docs/format.md) in constant memory, computing the ciphertext digest in the same pass, on a
 * second thread (parallel-digest.ts) so that it overlaps the cipher instead of adding to it.
 *
 * Framing follows age's STREAM: fixed-size chunks, each sealed under a nonce made of its index and
 * a last-chunk flag. Both suites share this code; they differ only in the ChunkSealer/ChunkOpener
 * from suites.ts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { CryptoError, DigestAlgorithm, SealpactError, Suite } from '@sealpact/protocol';
import { ByteQueue } from './byte-queue';
import { ParallelDigest } from './parallel-digest';
import {
    chunkNonce,
    ContainerHeader,
    DEFAULT_CHUNK_SIZE,
    encodeHeaderBody,
    MAX_HEADER_LENGTH,
    parseHeader,
    ParsedHeader,
    SALT_LENGTH,
} from './container-format';
import { checkFilePassword, ContainerKeys, deriveContainerKeys } from './suites';

/** Options for {@link createEncryptStream}. */
export interface EncryptOptions {
    suite: Suite;
    /** The 32-byte file password. */
    password: Uint8Array;
    /** Associated data stored in the header and authenticated (e.g. the file id); a string is UTF-8. */
    aad?: Uint8Array | string;
    /** Plaintext bytes per chunk, 1 KiB to 16 MiB; 1 MiB by default. */
    chunkSize?: number;
}

/** Options for {@link createDecryptStream}. The suite and chunk size come from the header. */
export interface DecryptOptions {
    /** The 32-byte file password. */
    password: Uint8Array;
    /** The associated data the container must carry; empty when omitted. A string is UTF-8. */
    aad?: Uint8Array | string;
}

/** The digest of a container's exact bytes, header included. */
export interface CiphertextDigest {
    /** SHA-256 for the intl suite, SM3 for gm. */
    algorithm: DigestAlgorithm;
    digest: Buffer;
    /** Container length in bytes. */
    size: number;
}

function toBytes(aad: Uint8Array | string | undefined): Buffer {
    return typeof aad === 'string' ? Buffer.from(aad, 'utf8') : Buffer.from(aad ?? []);
}

/**
 * Run a step of a transform, handing any error to the stream instead of throwing into the writer;
 * then call back, once the digest has caught up if it is too far behind (backpressure).
 */
function guarded(callback: TransformCallback, step: () => void, hash: () => ParallelDigest | undefined): void {
    try {
        step();
    } catch (err) {
        callback(err as Error);
        return;
    }
    const digest = hash();
    if (digest?.mustWait) {
        digest.drained().then(() => {
            callback();
        }, callback);
    } else {
        callback();
    }
}

/** Finish the digest, record the result, then end the stream (or fail it). */
function finishDigest(
    hash: ParallelDigest,
    size: number,
    record: (result: CiphertextDigest) => void,
    callback: TransformCallback,
): void {
    hash.digest().then((digest) => {
        record({ algorithm: hash.algorithm as DigestAlgorithm, digest, size });
        callback();
    }, callback);
}

/**
 * Transform: plaintext in, container out. Use {@link createEncryptStream}. The header is written
 * at once; each chunk is sealed as soon as the next byte (or the end) shows whether it is the last.
 */
export class EncryptStream extends Transform {
    private readonly keys: ContainerKeys;
    private readonly headerTag: Buffer;
    private readonly chunkSize: number;
    private readonly pending = new ByteQueue();
    private readonly hash: ParallelDigest;
    private index = 0;
    private size = 0;
    private result?: CiphertextDigest;

    /**
     * @param salt fixed only by known-answer tests: reusing a salt with the same password repeats
     *   every key and nonce. Callers use {@link createEncryptStream}, which draws it from the CSPRNG.
     * @internal
     */
    constructor(options: EncryptOptions, salt: Buffer = randomBytes(SALT_LENGTH)) {
        super();
        this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
        this.keys = deriveContainerKeys(options.suite, options.password, salt);
        const body = encodeHeaderBody({
            suite: options.suite,
            chunkSize: this.chunkSize,
            salt,
            aad: toBytes(options.aad),
        });
        this.headerTag = this.keys.headerTag(body);
        this.hash = new ParallelDigest(this.keys.digestAlgorithm);
        this.output(body);
        this.output(this.headerTag);
    }

    /** The digest of everything written, available once the stream has flushed ('end'/'finish'). */
    get ciphertextDigest(): CiphertextDigest | undefined {
        return this.result;
    }

    override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        guarded(
            callback,
            () => {
                this.pending.push(data);
                // Strictly more than a chunk: a chunk is sealed only once it is known not to be the last.
                while (this.pending.length > this.chunkSize) {
                    this.seal(this.pending.take(this.chunkSize), false);
                }
            },
            () => this.hash,
        );
    }

    override _flush(callback: TransformCallback): void {
        try {
            // The final chunk holds 1..chunkSize bytes, or none when the whole input was empty.
            this.seal(this.pending.take(this.pending.length), true);
        } catch (err) {
            callback(err as Error);
            return;
        }
        finishDigest(this.hash, this.size, (result) => (this.result = result), callback);
    }

    override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
        this.hash.abort(); // a no-op once the digest is finished
        callback(err);
    }

    private seal(plaintext: Buffer[], last: boolean): void {
        const sealer = this.keys.sealer(chunkNonce(this.index++, last), this.headerTag);
        for (const piece of plaintext) {
            this.output(sealer.update(piece));
        }
        this.output(sealer.final());
    }

    private output(bytes: Buffer): void {
        this.hash.update(bytes);
        this.size += bytes.length;
        this.push(bytes);
    }
}

/** What a decoder knows once the header has been authenticated. */
interface OpenedHeader {
    keys: ContainerKeys;
    header: ContainerHeader;
    headerTag: Buffer;
    /** Bytes of a full chunk on the wire: ciphertext plus tag. */
    wireLength: number;
    hash: ParallelDigest;
}

/**
 * Transform: container in, plaintext out. Use {@link createDecryptStream}. Plaintext of a chunk is
 * released only after that chunk authenticated; the stream errors (SealpactError) on the first
 * failure, and a consumer must not treat output as complete unless the stream ended cleanly.
 */
export class DecryptStream extends Transform {
    private readonly password: Buffer;
    private readonly expectedAad: Buffer;
    private readonly queue = new ByteQueue();
    private opened?: OpenedHeader;
    private index = 0;
    private size = 0;
    private result?: CiphertextDigest;

    /** @internal use {@link createDecryptStream} */
    constructor(options: DecryptOptions) {
        super();
        // A private copy, wiped once the keys are derived: the caller may reuse its buffer meanwhile.
        this.password = Buffer.from(checkFilePassword(options.password));
        this.expectedAad = toBytes(options.aad);
    }

    /** The authenticated header fields, once the header has been read. */
    get header(): ContainerHeader | undefined {
        return this.opened?.header;
    }

    /** The digest of the container read, available once the final chunk verified and the stream ended. */
    get ciphertextDigest(): CiphertextDigest | undefined {
        return this.result;
    }

    override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        guarded(
            callback,
            () => {
                this.queue.push(data);
                this.drain(false);
            },
            () => this.opened?.hash,
        );
    }

    override _flush(callback: TransformCallback): void {
        try {
            this.drain(true);
            this.openFinalChunk();
        } catch (err) {
            callback(err as Error);
            return;
        }
        // Plaintext is all out; the stream ends (and ciphertextDigest is set) once the digest is.
        finishDigest((this.opened as OpenedHeader).hash, this.size, (result) => (this.result = result), callback);
    }

    override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
        this.opened?.hash.abort(); // a no-op once the digest is finished
        callback(err);
    }

    /** Read the header, then every chunk that is certainly not the last (more bytes follow it). */
    private drain(ended: boolean): void {
        if (this.opened === undefined) {
            const parsed = parseHeaderFrom(this.queue);
            if (parsed === undefined) {
                if (ended) {
                    throw new CryptoError('TRUNCATED', 'the input ends inside the container header');
                }
                return;
            }
            this.opened = this.openHeader(parsed);
            this.consume(parsed.length);
        }
        const { wireLength } = this.opened;
        while (this.queue.length > wireLength) {
            const plaintext = this.tryOpen(wireLength, false);
            if (plaintext === undefined) {
                if (this.tryOpen(wireLength, true) !== undefined) {
                    throw new CryptoError('TRAILING_DATA', `data follows the final chunk (chunk ${this.index})`);
                }
                throw chunkAuthFailed(this.index);
            }
            this.accept(wireLength, plaintext);
        }
    }

    private openHeader(parsed: ParsedHeader): OpenedHeader {
        const { header } = parsed;
        const keys = deriveContainerKeys(header.suite, this.password, header.salt);
        this.password.fill(0);
        const headerTag = keys.headerTag(parsed.body);
        if (!timingSafeEqual(headerTag, parsed.tag)) {
            // A wrong password and an altered header look the same to an HMAC; say both.
            throw new CryptoError(
                'HEADER_AUTH_FAILED',
                'header authentication failed: wrong file password, or the header was altered',
            );
        }
        if (!header.aad.equals(this.expectedAad)) {
            throw new CryptoError(
                'AAD_MISMATCH',
                `the container is bound to other associated data (${header.aad.length} bytes, expected ${this.expectedAad.length})`,
            );
        }
        const hash = new ParallelDigest(keys.digestAlgorithm);
        return { keys, header, headerTag, wireLength: header.chunkSize + keys.tagLength, hash };
    }

    /** At the end of input, whatever is queued must be exactly one authentic final chunk. */
    private openFinalChunk(): void {
        const { keys, wireLength } = this.opened as OpenedHeader;
        const length = this.queue.length;
        if (length < keys.tagLength) {
            throw new CryptoError('TRUNCATED', `the input ends before the final chunk (at chunk ${this.index})`);
        }
        const plaintext = this.tryOpen(length, true);
        if (plaintext === undefined) {
            if (length === wireLength && this.tryOpen(length, false) !== undefined) {
                throw new CryptoError(
                    'TRUNCATED',
                    `the input ends after chunk ${this.index}, which is not the final chunk`,
                );
            }
            throw chunkAuthFailed(this.index);
        }
        if (length === keys.tagLength && this.index > 0) {
            // Only the final chunk of an empty file may be empty (docs/format.md); a conforming
            // encoder never writes one elsewhere, so refuse rather than accept two encodings.
            throw new CryptoError('EMPTY_FINAL_CHUNK', `chunk ${this.index} is an empty final chunk after data`);
        }
        this.accept(length, plaintext);
    }

    /** Authenticate the chunk in the first `length` queued bytes; its plaintext, or undefined if it fails. */
    private tryOpen(length: number, last: boolean): Buffer[] | undefined {
        const { keys, headerTag } = this.opened as OpenedHeader;
        const split = length - keys.tagLength;
        const opener = keys.opener(chunkNonce(this.index, last), headerTag);
        const plaintext = this.queue.pieces(0, split).map((piece) => opener.update(piece));
        return opener.verify(this.queue.bytes(split, length)) ? plaintext : undefined;
    }

    private accept(length: number, plaintext: Buffer[]): void {
        this.consume(length);
        this.index++;
        for (const piece of plaintext) {
            this.push(piece);
        }
    }

    /** Drop bytes that have been verified, feeding them to the ciphertext digest. */
    private consume(length: number): void {
        const { hash } = this.opened as OpenedHeader;
        for (const piece of this.queue.take(length)) {
            hash.update(piece);
        }
        this.size += length;
    }
}

function parseHeaderFrom(queue: ByteQueue): ParsedHeader | undefined {
    return parseHeader(queue.bytes(0, Math.min(queue.length, MAX_HEADER_LENGTH)));
}

function chunkAuthFailed(index: number): SealpactError {
    return new CryptoError(
        'CHUNK_AUTH_FAILED',
        `chunk ${index} failed authentication: the ciphertext was altered, reordered or cut short`,
    );
}

/**
 * Create a transform that encrypts a plaintext stream into a Sealpact container with a fresh
 * random salt. Read `ciphertextDigest` after it ends.
 *
 * @throws SealpactError BAD_FILE_PASSWORD or BAD_ARGUMENT (chunk size, AAD length) at once
 */
export function createEncryptStream(options: EncryptOptions): EncryptStream {
    return new EncryptStream(options);
}

/**
 * Create a transform that decrypts a Sealpact container. It fails with a SealpactError:
 * BAD_MAGIC, UNSUPPORTED_VERSION, UNSUPPORTED_SUITE, BAD_HEADER, HEADER_AUTH_FAILED,
 * AAD_MISMATCH, CHUNK_AUTH_FAILED, TRUNCATED, TRAILING_DATA or EMPTY_FINAL_CHUNK.
 *
 * @throws SealpactError BAD_FILE_PASSWORD at once
 */
export function createDecryptStream(options: DecryptOptions): DecryptStream {
    return new DecryptStream(options);
}
