/**
 * File helpers over the streaming cipher. Output goes through writeFileAtomically: a private
 * (0600) temporary file next to the destination, renamed onto it only when everything succeeded,
 * so a failed decryption leaves no plaintext behind and never clobbers an existing file.
 */
import { once } from 'node:events';
import { createReadStream, ReadStream } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CryptoError, DigestAlgorithm, Suite } from '@sealpact/protocol';
import { ioError, writeFileAtomically } from '../atomic-file';
import { CiphertextDigest, createDecryptStream, createEncryptStream, DecryptOptions, EncryptOptions } from './stream';

/** Options shared by the file helpers. */
interface FileOptions {
    /** A pass-through placed right after the file reader, e.g. the CLI's progress bar. */
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
    digestAlg: DigestAlgorithm;
    /** Container length in bytes. */
    size: number;
}

function infoOf(suite: Suite, digest: CiphertextDigest): ContainerInfo {
    return { suite, digest: digest.digest.toString('hex'), digestAlg: digest.algorithm, size: digest.size };
}

/**
 * Encrypt the file at `inPath` into a container at `outPath` (replacing it only on success).
 *
 * @returns the suite, the ciphertext digest (SHA-256 for intl, SM3 for gm) and the container size
 * @throws SealpactError BAD_FILE_PASSWORD, BAD_ARGUMENT, FILE_NOT_FOUND or IO_ERROR
 */
export async function encryptFile(
    inPath: string,
    outPath: string,
    options: EncryptFileOptions,
): Promise<ContainerInfo> {
    const encryptor = createEncryptStream(options);
    await withInput(inPath, (source) =>
        writeFileAtomically(outPath, (sink) => pipeline(stages(source, options, encryptor, sink))),
    );
    return infoOf(options.suite, encryptor.ciphertextDigest as CiphertextDigest);
}

/**
 * Decrypt the container at `inPath` into `outPath`. The plaintext appears at `outPath` only after
 * the final chunk verified (and the digest matched, when `expectedDigest` is given); on any failure
 * nothing is left at `outPath`, and a file already there is not touched.
 *
 * @returns the suite, the ciphertext digest and the container size
 * @throws SealpactError with the codes of {@link createDecryptStream}, DIGEST_MISMATCH, FILE_NOT_FOUND
 *   or IO_ERROR
 */
export async function decryptFile(
    inPath: string,
    outPath: string,
    options: DecryptFileOptions,
): Promise<ContainerInfo> {
    let info: ContainerInfo | undefined;
    await withInput(inPath, async (source) => {
        info = await decryptToFile(source, outPath, options);
    });
    return info as ContainerInfo;
}

/**
 * Decrypt a container read from any stream (a file, a blob store download) into `outPath`, with
 * the guarantees of {@link decryptFile}: nothing appears at `outPath` unless every chunk verified
 * and the digest matched. An error from `source` (e.g. a store's own integrity check) fails it too.
 */
export async function decryptToFile(
    source: Readable,
    outPath: string,
    options: DecryptFileOptions,
): Promise<ContainerInfo> {
    const decryptor = createDecryptStream(options);
    let info: ContainerInfo | undefined;
    await writeFileAtomically(outPath, async (sink) => {
        await pipeline(stages(source, options, decryptor, sink));
        info = infoOf(decryptor.header?.suite as Suite, decryptor.ciphertextDigest as CiphertextDigest);
        if (options.expectedDigest !== undefined && options.expectedDigest.toLowerCase() !== info.digest) {
            throw new CryptoError(
                'DIGEST_MISMATCH',
                `the container's ${info.digestAlg} digest is not the expected one`,
            );
        }
    });
    return info as ContainerInfo;
}

/**
 * Open the input before any output exists, so a missing or unreadable input is reported with its
 * own path and never leaves a temporary file; the reader is released however `use` ends.
 */
async function withInput(inPath: string, use: (source: ReadStream) => Promise<void>): Promise<void> {
    const source = createReadStream(inPath);
    try {
        await once(source, 'ready');
    } catch (err) {
        throw ioError(err, inPath);
    }
    try {
        await use(source);
    } finally {
        source.destroy();
    }
}

/** The pipeline: reader, optional meter, cipher, temporary file. */
function stages(source: Readable, options: FileOptions, cipher: Transform, sink: Writable) {
    const meter = options.meter === undefined ? [] : [options.meter];
    return [source, ...meter, cipher, sink];
}
