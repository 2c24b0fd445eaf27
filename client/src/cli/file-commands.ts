import { Readable, Writable } from 'node:stream';
import {
    CIPHERTEXT_DIGEST_ALGORITHMS,
    DigestAlgorithm,
    FILE_PASSWORD_LENGTH,
    parseDrawing,
    SUITE_CIPHERTEXT_DIGEST,
    UsageError,
} from '@sealpact/protocol';
import { writeBufferAtomically } from '../atomic-file';
import { decryptFile, encryptFile } from '../crypto/filecipher';
import { generateFilePassword } from '../crypto/password';
import { Command, oneOf, Options, required } from './command';
import { fileSize, readJson, readSmallFile, SUITES } from './inputs';
import { progressBar } from './progress';

/** The 32-byte file password from --key-file. */
async function readFilePassword(options: Options): Promise<Buffer> {
    const path = required(options, 'key-file');
    const password = await readSmallFile(path, 'key-file');
    if (password.length !== FILE_PASSWORD_LENGTH) {
        throw new UsageError(
            'BAD_FILE_PASSWORD',
            `--key-file ${path} is ${password.length} bytes; a file password is exactly ${FILE_PASSWORD_LENGTH} bytes`,
        );
    }
    return password;
}

const KEY_FILE = { type: 'string', required: true, description: 'the 32-byte file password' } as const;
const AAD = { type: 'string', description: 'associated data bound to the container, e.g. the file id' } as const;
const DIGEST = {
    type: 'string',
    description: `the ciphertext digest to print: ${CIPHERTEXT_DIGEST_ALGORITHMS.join(', ')} (default: the suite's tree digest)`,
} as const;
/** `--in -` and `--out -`: standard input and output. */
const STANDARD = '-';

/** The input named by --in: a path, or stdin for `-`; its size for the progress bar (0 for stdin: no bar). */
async function inputOf(options: Options): Promise<{ input: string | Readable; size: number }> {
    const path = required(options, 'in');
    return path === STANDARD ? { input: process.stdin, size: 0 } : { input: path, size: await fileSize(path, 'in') };
}

/**
 * The output named by --out: a path, or stdout for `-`, which then carries the data alone: the
 * summary goes to stderr, and --json, whose place is stdout, is refused.
 */
function outputOf(options: Options): { output: string | Writable; summary: (text: string) => string } {
    const path = required(options, 'out');
    if (path !== STANDARD) {
        return { output: path, summary: (text) => text };
    }
    if (options.json === true) {
        throw new UsageError('USAGE', '--json writes to stdout, which --out - already fills with data');
    }
    return {
        output: process.stdout,
        summary: (text) => {
            process.stderr.write(`${text}\n`);
            return '';
        },
    };
}

const encrypt: Command = {
    name: 'encrypt',
    summary: 'encrypt a file into a Sealpact container and print its ciphertext digest',
    options: {
        suite: {
            type: 'string',
            required: true,
            description: 'gm (SM4 + HMAC-SM3, SM3 digest) or intl (AES-256-GCM, SHA-256)',
        },
        'key-file': KEY_FILE,
        aad: AAD,
        in: { type: 'string', required: true, description: 'the plaintext file, or - for standard input' },
        out: { type: 'string', required: true, description: 'where to write the container, or - for standard output' },
        digest: DIGEST,
    },
    async run(options) {
        const suite = oneOf(options, 'suite', SUITES);
        const digestAlgorithm = oneOf(options, 'digest', CIPHERTEXT_DIGEST_ALGORITHMS, SUITE_CIPHERTEXT_DIGEST[suite]);
        const password = await readFilePassword(options);
        const { output, summary } = outputOf(options);
        const { input, size } = await inputOf(options);
        const info = await encryptFile(input, output, {
            suite,
            password,
            aad: options.aad as string | undefined,
            digestAlgorithm,
            meter: progressBar('encrypting', size),
        });
        return { json: { ...info }, text: summary(`${info.digestAlg}:${info.digest}`) };
    },
};

const decrypt: Command = {
    name: 'decrypt',
    summary: 'decrypt a Sealpact container; the output appears only once every chunk verified',
    options: {
        'key-file': KEY_FILE,
        aad: AAD,
        in: { type: 'string', required: true, description: 'the container, or - for standard input' },
        out: {
            type: 'string',
            required: true,
            description: 'where to write the plaintext, or - for standard output (written as each chunk verifies)',
        },
        digest: DIGEST,
    },
    async run(options) {
        const digest =
            options.digest === undefined ? undefined : oneOf(options, 'digest', CIPHERTEXT_DIGEST_ALGORITHMS);
        const password = await readFilePassword(options);
        const { output, summary } = outputOf(options);
        const { input, size } = await inputOf(options);
        const info = await decryptFile(input, output, {
            password,
            aad: options.aad as string | undefined,
            digestAlgorithm: digest,
            meter: progressBar('decrypting', size),
        });
        const where = output === process.stdout ? 'standard output' : (output as string);
        return {
            json: { ...info },
            text: summary(`decrypted to ${where} (${info.suite}, ${info.digestAlg}:${info.digest})`),
        };
    },
};

const password: Command = {
    name: 'password',
    summary: 'make a one-off 256-bit file password, from the CSPRNG and optionally a drawing',
    options: {
        drawing: { type: 'string', description: 'JSON drawing {width, height, strokes: [[{x, y}, ...], ...]}' },
        hash: { type: 'string', description: 'preset function for the drawing: sm3 (default) or sha256' },
        out: {
            type: 'string',
            required: true,
            description: 'where to write the 32-byte password (mode 0600, never overwritten)',
        },
    },
    async run(options) {
        const hash = oneOf<DigestAlgorithm>(options, 'hash', ['sm3', 'sha256'], 'sm3');
        const drawingPath = options.drawing as string | undefined;
        const drawing = drawingPath === undefined ? undefined : parseDrawing(await readJson(drawingPath, 'drawing'));
        const secret = generateFilePassword({ drawing, hash });
        // A password file may be the only key to an encrypted file: never replace one.
        const out = required(options, 'out');
        await writeBufferAtomically(out, secret, { overwrite: false });
        const source = drawing === undefined ? 'CSPRNG' : `CSPRNG + drawing (${hash})`;
        return {
            json: { out, bytes: secret.length, source },
            text: `wrote a ${secret.length}-byte file password to ${out} (${source})`,
        };
    },
};

export const fileCommands = [encrypt, decrypt, password];
