/**
 * The file path: encrypt and decrypt between files (or a stream such as stdin, stdout or a store
 * download) with no stream machinery in between. Chunks are read straight into a small ring of
 * buffers shared with the crypto pool, sealed or opened there in place, several at once, and
 * written from the same buffers in order; reads, chunk work and writes overlap, and a buffer is
 * reused once its write is done. So each byte is copied only by the kernel on its way in and out,
 * plus once into a digest segment.
 *
 * A regular output file is written to a private (0600) temporary file next to it, fsynced once at
 * the end and renamed onto the path only when everything succeeded, so a failed decryption leaves
 * no plaintext behind and never clobbers an existing file; a device, a pipe or a stream is written
 * directly (atomic-file.ts).
 */
import { randomBytes } from 'node:crypto';
import { read as readCallback, write as writeCallback } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { promisify } from 'node:util';
import {
    CiphertextDigestAlgorithm,
    CryptoError,
    HEADER_FIXED_LENGTH,
    headerLength,
    ParsedHeader,
    SALT_LENGTH,
    Suite,
    SUITE_CIPHERTEXT_DIGEST,
} from '@sealpact/protocol';
import { ioError, writeOutputFile } from '../atomic-file';
import { CiphertextHasher, createCiphertextHasher } from './ciphertext-digest';
import {
    chunksInWork,
    ContainerOpener,
    ContainerSealer,
    DecryptOptions,
    DoneChunk,
    EncryptOptions,
    headerFrom,
    InOrder,
} from './container';

/** Options shared by the file helpers. */
interface FileOptions {
    /** A pass-through shown every byte read, e.g. the CLI's progress bar; what it passes on is dropped. */
    meter?: Transform;
}

export type EncryptFileOptions = EncryptOptions & FileOptions;

export interface DecryptFileOptions extends DecryptOptions, FileOptions {
    /** Hex digest the container must have (e.g. from the ledger); checked before the output appears. */
    expectedDigest?: string;
}

/** What the helpers report about the container written or read. */
export interface ContainerInfo {
    suite: Suite;
    /** Lower-case hex digest of the container's exact bytes. */
    digest: string;
    digestAlg: CiphertextDigestAlgorithm;
    /** Container length in bytes. */
    size: number;
}

/** An input: a path, or a stream (stdin, a download). */
export type Input = string | Readable;
/** An output: a path, or a stream (stdout), which is written directly and left open. */
export type Output = string | Writable;

/**
 * Encrypt `input` into a container at `output` (a regular file is replaced only on success).
 *
 * @returns the suite, the ciphertext digest (the suite's tree digest unless `digestAlgorithm` says
 *   otherwise) and the container size
 * @throws SealpactError BAD_FILE_PASSWORD, BAD_ARGUMENT, FILE_NOT_FOUND or IO_ERROR
 */
export async function encryptFile(input: Input, output: Output, options: EncryptFileOptions): Promise<ContainerInfo> {
    const sealer = new ContainerSealer(options, randomBytes(SALT_LENGTH));
    const hasher = createCiphertextHasher(options.digestAlgorithm ?? SUITE_CIPHERTEXT_DIGEST[options.suite]);
    let size = 0;
    try {
        await withSource(input, options.meter, (source) =>
            withSink(output, async (sink) => {
                const written = async (bytes: Buffer) => {
                    hasher.update(bytes);
                    size += bytes.length;
                    await sink(bytes);
                };
                await written(sealer.header);
                await runChunks(source, sealer.chunkSize, sealer.newChunkBuffer.bind(sealer), {
                    // The digest holds back the reading, not the writing: a chunk sealed is written at once.
                    read: () => (hasher.mustWait ? hasher.drained() : Promise.resolve()),
                    work: (buffer, length, last) =>
                        sealer.seal(buffer, length, last).then(() => ({ buffer, length: length + sealer.tagLength })),
                    write: written,
                });
            }),
        );
        return infoOf(options.suite, hasher, await hasher.digest(), size);
    } finally {
        hasher.abort();
        sealer.wipe();
    }
}

/**
 * Decrypt the container `input` into `output`. A regular output file appears only after the final
 * chunk verified (and the digest matched, when `expectedDigest` is given); on any failure nothing
 * is left there, and a file already there is not touched. A device or stream output receives each
 * chunk's plaintext once that chunk authenticated, and must be treated as complete only when this
 * resolves.
 *
 * @returns the suite, the ciphertext digest and the container size
 * @throws SealpactError with the codes of createDecryptStream (stream.ts), DIGEST_MISMATCH, FILE_NOT_FOUND
 *   or IO_ERROR; an error of a stream input (e.g. a store's own integrity check) passes through
 */
export async function decryptFile(input: Input, output: Output, options: DecryptFileOptions): Promise<ContainerInfo> {
    let info: ContainerInfo | undefined;
    await withSource(input, options.meter, async (source) => {
        const header = await readHeader(source);
        const opener = ContainerOpener.open(header.parsed, options);
        const suite = opener.header.suite;
        const hasher = createCiphertextHasher(options.digestAlgorithm ?? SUITE_CIPHERTEXT_DIGEST[suite]);
        try {
            hasher.update(header.bytes);
            let size = header.bytes.length;
            await withSink(output, async (sink) => {
                await runChunks(source, opener.wireLength, opener.newChunkBuffer.bind(opener), {
                    // Digested before the chunk is opened: it is opened in place.
                    read: async (bytes) => {
                        hasher.update(bytes);
                        size += bytes.length;
                        if (hasher.mustWait) {
                            await hasher.drained();
                        }
                    },
                    work: (buffer, length, last) =>
                        opener.open(buffer, length, last).then((plain) => ({ buffer, length: plain })),
                    write: sink,
                });
                info = infoOf(suite, hasher, await hasher.digest(), size);
                if (options.expectedDigest !== undefined && options.expectedDigest.toLowerCase() !== info.digest) {
                    throw new CryptoError(
                        'DIGEST_MISMATCH',
                        `the container's ${info.digestAlg} digest is not the expected one`,
                    );
                }
            });
        } finally {
            hasher.abort();
            opener.wipe();
        }
    });
    return info as ContainerInfo;
}

/**
 * Decrypt a container read from any stream (a blob store download) into `outPath`: {@link decryptFile}
 * with a stream input. An error from `source` (e.g. a store's own integrity check) fails it too.
 */
export function decryptToFile(source: Readable, outPath: string, options: DecryptFileOptions): Promise<ContainerInfo> {
    return decryptFile(source, outPath, options);
}

function infoOf(suite: Suite, hasher: CiphertextHasher, digest: Buffer, size: number): ContainerInfo {
    return { suite, digest: digest.toString('hex'), digestAlg: hasher.algorithm, size };
}

/** Where chunks come from. */
interface ByteSource {
    /**
     * Fill `into` from the input: fewer bytes than asked only at its end (0 after it), or just
     * before a failure, which the next call reports (so the bytes before it count as having more after them).
     */
    read(into: Buffer): Promise<number>;
}

/** Write all of `bytes`; resolves once the buffer may be reused. */
type ByteSink = (bytes: Buffer) => Promise<void>;

/** The steps of the chunk loop: one direction of the container. */
interface ChunkSteps {
    /** Each chunk's input as read, before its work. */
    read?: (bytes: Buffer) => Promise<void>;
    /** Seal or open a chunk in place. */
    work: (buffer: Buffer, length: number, last: boolean) => Promise<DoneChunk>;
    /** Each result, in order. */
    write: ByteSink;
}

/**
 * Read chunks of `chunkLength` bytes into a ring of buffers, hand each to `work` once the next read
 * shows whether it is the last, and write the results in order. A buffer is read into again only
 * once its previous chunk has been written; when this settles, no write is in progress.
 */
async function runChunks(
    source: ByteSource,
    chunkLength: number,
    newBuffer: () => Buffer,
    steps: ChunkSteps,
): Promise<void> {
    const inWork = new InOrder(chunksInWork());
    // One buffer more than can be in work: the chunk read ahead.
    const ring = Array.from({ length: inWork.limit + 1 }, newBuffer);
    const written = new Map<Buffer, Promise<void>>();
    let writing: Promise<void> = Promise.resolve();
    const readChunk = async (buffer: Buffer, size: number) => {
        await written.get(buffer);
        const length = await source.read(buffer.subarray(0, size));
        await steps.read?.(buffer.subarray(0, length));
        return length;
    };
    try {
        let current = ring[0] as Buffer;
        let length = await readChunk(current, chunkLength);
        for (let index = 1; ; index++) {
            const next = ring[index % ring.length] as Buffer;
            // After a short chunk, a read of nothing: it reports a failure the short read came before.
            const size = length === chunkLength ? chunkLength : 0;
            const nextLength = await readChunk(next, size).catch(orEarlierFailure(inWork));
            const last = nextLength === 0;
            inWork.add(steps.work(current, length, last));
            while (inWork.full || (last && inWork.length > 0)) {
                const done = await inWork.next();
                writing = writing.then(() => steps.write(done.buffer.subarray(0, done.length)));
                writing.catch(() => undefined); // awaited below, or when the buffer comes round again
                written.set(done.buffer, writing);
            }
            if (last) {
                break;
            }
            current = next;
            length = nextLength;
        }
        await writing;
    } finally {
        await writing.catch(() => undefined); // the descriptor is closed next
    }
}

/**
 * For a read that failed: the failure of a chunk read before it, if one fails, since that comes
 * first in the input (a store's integrity check fails only at the end); else the read's own.
 */
function orEarlierFailure(inWork: InOrder): (err: unknown) => Promise<never> {
    return async (err) => {
        while (inWork.length > 0) {
            await inWork.next();
        }
        throw err;
    };
}

/** The container header, read from the front of the input, with its bytes. */
async function readHeader(source: ByteSource): Promise<{ parsed: ParsedHeader; bytes: Buffer }> {
    const fixed = Buffer.alloc(HEADER_FIXED_LENGTH);
    const got = await source.read(fixed);
    // Checked as far as it goes first: a short file that is not a container is BAD_MAGIC, not TRUNCATED.
    headerFrom(fixed.subarray(0, got));
    const bytes = Buffer.alloc(got < HEADER_FIXED_LENGTH ? got : headerLength(fixed));
    fixed.copy(bytes, 0, 0, got);
    const rest = got < HEADER_FIXED_LENGTH ? 0 : await source.read(bytes.subarray(got));
    const parsed = headerFrom(bytes.subarray(0, got + rest));
    if (parsed === undefined) {
        throw new CryptoError('TRUNCATED', 'the input ends inside the container header');
    }
    return { parsed, bytes };
}

const readFd = promisify(readCallback);
const writeFd = promisify(writeCallback);

/**
 * Open the input before any output exists, so a missing or unreadable input is reported with its
 * own path and never leaves a temporary file; the file is closed however `use` ends.
 */
async function withSource(
    input: Input,
    meter: Transform | undefined,
    use: (source: ByteSource) => Promise<void>,
): Promise<void> {
    const show = meter === undefined ? undefined : showTo(meter);
    if (typeof input !== 'string') {
        await use(streamSource(input, show));
        meter?.end();
        return;
    }
    let file;
    try {
        file = await open(input, 'r');
    } catch (err) {
        throw ioError(err, input);
    }
    const fd = file.fd;
    try {
        await use({
            async read(into) {
                let filled = 0;
                try {
                    while (filled < into.length) {
                        const { bytesRead } = await readFd(fd, into, filled, into.length - filled, null);
                        if (bytesRead === 0) {
                            break;
                        }
                        filled += bytesRead;
                    }
                } catch (err) {
                    throw ioError(err, input);
                }
                show?.(into.subarray(0, filled));
                return filled;
            },
        });
        meter?.end();
    } finally {
        await file.close();
    }
}

/** A stream as a source: its chunks copied into the buffers asked for. */
function streamSource(stream: Readable, show?: (bytes: Buffer) => void): ByteSource {
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
    let pending: Buffer = Buffer.alloc(0);
    let ended = false;
    let failure: { error: unknown } | undefined;
    return {
        async read(into) {
            if (failure !== undefined) {
                throw failure.error;
            }
            let filled = 0;
            try {
                while (filled < into.length && !ended) {
                    if (pending.length === 0) {
                        const next = await chunks.next();
                        ended = next.done === true;
                        pending = ended ? Buffer.alloc(0) : bytesOf(next.value as Buffer | string);
                    }
                    const count = pending.copy(into, filled);
                    pending = pending.subarray(count);
                    filled += count;
                }
            } catch (error) {
                if (filled === 0) {
                    throw error;
                }
                failure = { error };
            }
            show?.(into.subarray(0, filled));
            return filled;
        },
    };
}

function bytesOf(chunk: Buffer | string): Buffer {
    if (typeof chunk === 'string') {
        throw new CryptoError('BAD_ARGUMENT', 'the input stream gave text; give it bytes (no setEncoding)');
    }
    return chunk;
}

/** Run `use` with a sink into `output`: a path (see writeOutputFile) or a stream. */
async function withSink(output: Output, use: (sink: ByteSink) => Promise<void>): Promise<void> {
    if (typeof output !== 'string') {
        await use(
            (bytes) =>
                new Promise<void>((resolve, reject) => {
                    output.write(bytes, (err) => {
                        if (err) {
                            reject(ioError(err, 'the output stream'));
                        } else {
                            resolve();
                        }
                    });
                }),
        );
        return;
    }
    await writeOutputFile(output, (fd) =>
        use(async (bytes) => {
            for (let at = 0; at < bytes.length;) {
                at += (await writeFd(fd, bytes, at, bytes.length - at, null)).bytesWritten;
            }
        }),
    );
}

/** Show each piece read to a pass-through meter, whose output nobody reads. */
function showTo(meter: Transform): (bytes: Buffer) => void {
    meter.resume();
    return (bytes) => {
        meter.write(bytes);
    };
}
