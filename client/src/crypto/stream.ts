/**
 * The streaming file cipher: Node Transform streams that write and read Sealpact containers
 * (docs/format.md) in constant memory, computing the ciphertext digest in the same pass. Chunks
 * are sealed and opened on the crypto pool, several at once (container.ts), and the tree digest
 * hashes its segments there too (ciphertext-digest.ts); the streams copy the bytes into chunk
 * buffers and pass the results on in order.
 *
 * The chunk buffers are reused: what a stream passes on is a copy in ordinary memory, which a
 * consumer may keep. A new shared buffer for every chunk would cost more than the copy: it is
 * mapped and zeroed afresh, a page fault per 4 KiB.
 */
import { randomBytes } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import {
    CiphertextDigestAlgorithm,
    ContainerHeader,
    CryptoError,
    SALT_LENGTH,
    SUITE_CIPHERTEXT_DIGEST,
} from '@sealpact/protocol';
import { CiphertextHasher, createCiphertextHasher } from './ciphertext-digest';
import {
    chunksInWork,
    ContainerOpener,
    ContainerSealer,
    DecryptOptions,
    EncryptOptions,
    headerFrom,
    InOrder,
} from './container';
import { checkFilePassword } from './suites';

export type { DecryptOptions, EncryptOptions } from './container';

/** The digest of a container's exact bytes, header included. */
export interface CiphertextDigest {
    /** The suite's tree digest by default (sha256-tree for intl, sm3-tree for gm), or the one asked for. */
    algorithm: CiphertextDigestAlgorithm;
    digest: Buffer;
    /** Container length in bytes. */
    size: number;
}

/** Pieces in which a chunk is passed on: below glibc's mmap threshold, so their memory is reused. */
const PASS_ON_PIECE = 64 * 1024;

/** Copies of `bytes` in ordinary memory, to pass on while their shared buffer is reused. */
function copiesOf(bytes: Buffer): Buffer[] {
    const copies: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += PASS_ON_PIECE) {
        const piece = bytes.subarray(at, at + PASS_ON_PIECE);
        const copy = Buffer.allocUnsafe(piece.length);
        piece.copy(copy);
        copies.push(copy);
    }
    return copies;
}

/**
 * Run an async step of a transform and call back once it is done, handing any error to the stream
 * instead of throwing into the writer.
 */
function step(callback: TransformCallback, work: () => Promise<void>): void {
    work().then(() => {
        callback();
    }, callback);
}

/**
 * Transform: plaintext in, container out. Use {@link createEncryptStream}. The header is written
 * at once; each chunk is sealed as soon as the next byte (or the end) shows whether it is the last.
 */
export class EncryptStream extends Transform {
    private readonly sealer: ContainerSealer;
    private readonly hasher: CiphertextHasher;
    private readonly work: InOrder;
    /** Chunk buffers whose chunk has been passed on. */
    private readonly spare: Buffer[] = [];
    private buffer: Buffer;
    private filled = 0;
    private size = 0;
    private result?: CiphertextDigest;

    /**
     * @param salt fixed only by known-answer tests: reusing a salt with the same password repeats
     *   every key and nonce. Callers use {@link createEncryptStream}, which draws it from the CSPRNG.
     * @internal
     */
    constructor(options: EncryptOptions, salt: Buffer = randomBytes(SALT_LENGTH)) {
        super();
        this.sealer = new ContainerSealer(options, salt);
        this.hasher = createCiphertextHasher(options.digestAlgorithm ?? SUITE_CIPHERTEXT_DIGEST[options.suite]);
        this.work = new InOrder(chunksInWork());
        this.buffer = this.sealer.newChunkBuffer();
        this.output(this.sealer.header);
    }

    /** The digest of everything written, available once the stream has flushed ('end'/'finish'). */
    get ciphertextDigest(): CiphertextDigest | undefined {
        return this.result;
    }

    override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        step(callback, async () => {
            const { chunkSize } = this.sealer;
            for (let at = 0; at < data.length;) {
                if (this.filled === chunkSize) {
                    await this.seal(false); // a full chunk with more bytes after it
                }
                const count = Math.min(data.length - at, chunkSize - this.filled);
                data.copy(this.buffer, this.filled, at, at + count);
                this.filled += count;
                at += count;
            }
        });
    }

    override _flush(callback: TransformCallback): void {
        step(callback, async () => {
            // The final chunk holds 1..chunkSize bytes, or none when the whole input was empty.
            await this.seal(true);
            this.sealer.wipe();
            this.result = { algorithm: this.hasher.algorithm, digest: await this.hasher.digest(), size: this.size };
        });
    }

    override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
        this.hasher.abort();
        this.sealer.wipe();
        callback(err);
    }

    /** Hand the current chunk to the pool; pass on the oldest ones while too many are in work (all, at the end). */
    private async seal(last: boolean): Promise<void> {
        const { buffer, filled } = this;
        const length = filled + this.sealer.tagLength;
        this.work.add(this.sealer.seal(buffer, filled, last).then(() => ({ buffer, length })));
        if (!last) {
            this.buffer = this.spare.pop() ?? this.sealer.newChunkBuffer();
            this.filled = 0;
        }
        while (this.work.full || (last && this.work.length > 0)) {
            const chunk = await this.work.next();
            this.output(chunk.buffer.subarray(0, chunk.length));
            this.spare.push(chunk.buffer);
            if (this.hasher.mustWait) {
                await this.hasher.drained();
            }
        }
    }

    /** Digest and pass on container bytes (copied: their buffer is reused). */
    private output(bytes: Buffer): void {
        this.hasher.update(bytes);
        this.size += bytes.length;
        for (const copy of copiesOf(bytes)) {
            this.push(copy);
        }
    }
}

/**
 * Transform: container in, plaintext out. Use {@link createDecryptStream}. Plaintext of a chunk is
 * released only after that chunk authenticated; the stream errors (SealpactError) on the first
 * failure, and a consumer must not treat output as complete unless the stream ended cleanly.
 */
export class DecryptStream extends Transform {
    private readonly options: DecryptOptions;
    private readonly password: Buffer;
    /** The first bytes, until the header is complete. */
    private start: Buffer = Buffer.alloc(0);
    private opener?: ContainerOpener;
    private hasher?: CiphertextHasher;
    private work?: InOrder;
    /** Chunk buffers whose plaintext has been passed on. */
    private readonly spare: Buffer[] = [];
    private buffer: Buffer = Buffer.alloc(0);
    private filled = 0;
    private size = 0;
    private result?: CiphertextDigest;

    /** @internal use {@link createDecryptStream} */
    constructor(options: DecryptOptions) {
        super();
        // A private copy, wiped once the keys are derived: the caller may reuse its buffer meanwhile.
        this.password = Buffer.from(checkFilePassword(options.password));
        this.options = { ...options, password: this.password };
    }

    /** The authenticated header fields, once the header has been read. */
    get header(): ContainerHeader | undefined {
        return this.opener?.header;
    }

    /** The digest of the container read, available once the final chunk verified and the stream ended. */
    get ciphertextDigest(): CiphertextDigest | undefined {
        return this.result;
    }

    override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        step(callback, async () => {
            const rest = this.opener === undefined ? this.readHeader(data) : data;
            if (rest.length > 0) {
                await this.gather(rest);
            }
        });
    }

    override _flush(callback: TransformCallback): void {
        step(callback, async () => {
            if (this.opener === undefined || this.hasher === undefined) {
                throw new CryptoError('TRUNCATED', 'the input ends inside the container header');
            }
            // Whatever is left is the final chunk (checked by the opener).
            await this.open(true);
            this.opener.wipe();
            this.result = { algorithm: this.hasher.algorithm, digest: await this.hasher.digest(), size: this.size };
        });
    }

    override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
        this.hasher?.abort();
        this.opener?.wipe();
        this.password.fill(0);
        callback(err);
    }

    /** Gather the header; once it is complete, authenticate it and return the bytes after it. */
    private readHeader(data: Buffer): Buffer {
        this.start = Buffer.concat([this.start, data]);
        const parsed = headerFrom(this.start);
        if (parsed === undefined) {
            return Buffer.alloc(0);
        }
        const opener = ContainerOpener.open(parsed, this.options);
        this.password.fill(0);
        this.opener = opener;
        const algorithm = this.options.digestAlgorithm ?? SUITE_CIPHERTEXT_DIGEST[parsed.header.suite];
        this.hasher = createCiphertextHasher(algorithm);
        this.work = new InOrder(chunksInWork());
        this.buffer = opener.newChunkBuffer();
        this.consumed(this.start.subarray(0, parsed.length));
        const rest = this.start.subarray(parsed.length);
        this.start = Buffer.alloc(0);
        return rest;
    }

    /** Take container bytes after the header: digest them, and gather them into chunks. */
    private async gather(data: Buffer): Promise<void> {
        const opener = this.opener as ContainerOpener;
        for (let at = 0; at < data.length;) {
            if (this.filled === opener.wireLength) {
                await this.open(false); // a full chunk with more bytes after it
            }
            const count = Math.min(data.length - at, opener.wireLength - this.filled);
            const piece = data.subarray(at, at + count);
            // Digested before the chunk is opened: it is opened in place.
            this.consumed(piece);
            piece.copy(this.buffer, this.filled);
            this.filled += count;
            at += count;
        }
        const hasher = this.hasher as CiphertextHasher;
        if (hasher.mustWait) {
            await hasher.drained();
        }
    }

    /** Hand the current chunk to the pool; pass on the oldest plaintext while too many are in work (all, at the end). */
    private async open(last: boolean): Promise<void> {
        const opener = this.opener as ContainerOpener;
        const work = this.work as InOrder;
        const { buffer, filled } = this;
        work.add(opener.open(buffer, filled, last).then((length) => ({ buffer, length })));
        if (!last) {
            this.buffer = this.spare.pop() ?? opener.newChunkBuffer();
            this.filled = 0;
        }
        while (work.full || (last && work.length > 0)) {
            const chunk = await work.next();
            for (const copy of copiesOf(chunk.buffer.subarray(0, chunk.length))) {
                this.push(copy);
            }
            this.spare.push(chunk.buffer);
        }
    }

    private consumed(bytes: Buffer): void {
        (this.hasher as CiphertextHasher).update(bytes);
        this.size += bytes.length;
    }
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
