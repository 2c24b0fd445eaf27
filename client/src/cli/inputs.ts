import { readFile, stat } from 'node:fs/promises';
import {
    DEFAULT_RSA_BITS,
    KeyAlgorithm,
    MAX_RSA_BITS,
    MIN_RSA_BITS,
    parseUtcTime,
    SealpactError,
    Suite,
    SUITE_DIGEST,
    UsageError,
} from '@sealpact/protocol';
import { ioError } from '../atomic-file';
import { loadPrivateKey, PrivateKeyInfo } from '../crypto/keys';
import { IntegerOptionSpec, oneOf, Options, OptionSpec } from './command';

/** Inputs that are keys, passwords or signatures are small; refuse a wrong file early. */
const MAX_SMALL_FILE = 1024 * 1024;

/** Read a small input file named by an option, with errors that name the option and path. */
export async function readSmallFile(path: string, option: string): Promise<Buffer> {
    try {
        const info = await stat(path);
        if (!info.isFile()) {
            throw new UsageError('BAD_ARGUMENT', `--${option} ${path} is not a file`);
        }
        if (info.size > MAX_SMALL_FILE) {
            throw new UsageError(
                'BAD_ARGUMENT',
                `--${option} ${path} is ${info.size} bytes; expected a small key or data file`,
            );
        }
        return await readFile(path);
    } catch (err) {
        throw ioError(err, path);
    }
}

/** Size of a file to be streamed, checked to be a regular file. */
export async function fileSize(path: string, option: string): Promise<number> {
    try {
        const info = await stat(path);
        if (!info.isFile()) {
            throw new UsageError('BAD_ARGUMENT', `--${option} ${path} is not a file`);
        }
        return info.size;
    } catch (err) {
        throw ioError(err, path);
    }
}

export const PASSPHRASE_ENV = 'SEALPACT_PASSPHRASE';

/**
 * The passphrase of a private key: the first line of --passphrase-file, else the
 * SEALPACT_PASSPHRASE environment variable, else undefined.
 */
export async function readPassphrase(options: Options): Promise<string | undefined> {
    const file = options['passphrase-file'];
    if (typeof file === 'string') {
        const line = (await readSmallFile(file, 'passphrase-file')).toString('utf8').split(/\r?\n/)[0];
        if (line === '') {
            throw new UsageError('PASSPHRASE_REQUIRED', `--passphrase-file ${file} is empty`);
        }
        return line;
    }
    const fromEnv = process.env[PASSPHRASE_ENV];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** Load the private key named by `option`, decrypting it with the passphrase when it is encrypted. */
export async function readPrivateKey(options: Options, option: string): Promise<PrivateKeyInfo> {
    const path = options[option] as string;
    const pem = (await readSmallFile(path, option)).toString('utf8');
    try {
        return loadPrivateKey(pem, await readPassphrase(options));
    } catch (err) {
        if (err instanceof SealpactError && err.code === 'PASSPHRASE_REQUIRED') {
            throw new UsageError(err.code, `${path} is encrypted: give --passphrase-file or set ${PASSPHRASE_ENV}`);
        }
        throw err;
    }
}

export const PASSPHRASE_OPTION = {
    type: 'string',
    description: `file whose first line is the private key's passphrase (or set ${PASSPHRASE_ENV})`,
} as const;

/**
 * Read and parse a small JSON file named by an option. The parser's own message is left out: it
 * quotes the start of the file, which may be a secret given by mistake (a password file).
 */
export async function readJson(path: string, option: string): Promise<unknown> {
    const text = (await readSmallFile(path, option)).toString('utf8');
    try {
        return JSON.parse(text);
    } catch {
        throw new UsageError('BAD_JSON', `--${option} ${path} is not valid JSON`);
    }
}

/** The values of --suite, as encrypt and send take it. */
export const SUITES = Object.keys(SUITE_DIGEST) as Suite[];

/** --alg and --bits, as keygen and register take them. */
export const KEY_OPTIONS: Record<'alg' | 'bits', OptionSpec> = {
    alg: { type: 'string', required: true, description: 'sm2 or rsa' },
    bits: {
        type: 'integer',
        min: MIN_RSA_BITS,
        max: MAX_RSA_BITS,
        description: `RSA modulus size, RSA only (default ${DEFAULT_RSA_BITS})`,
    } satisfies IntegerOptionSpec,
};

/** The key algorithm and size from KEY_OPTIONS; --bits with sm2 is refused rather than ignored. */
export function keyAlgorithm(options: Options): { alg: KeyAlgorithm; bits?: number } {
    const alg = oneOf<KeyAlgorithm>(options, 'alg', ['sm2', 'rsa']);
    if (alg === 'sm2' && options.bits !== undefined) {
        throw new UsageError('USAGE', '--bits applies to RSA keys only, not sm2');
    }
    return { alg, bits: options.bits as number | undefined };
}

/**
 * The signing plan of --signers: steps separated by `;`, the parallel signers of a step by `,`
 * (`P1;P2,P3`: P1 signs, then P2 and P3 in any order). Blanks around a name are dropped; an empty
 * step or name is a USAGE error naming where it is.
 */
export function parseSigners(text: string): string[][] {
    return text.split(';').map((step, i) => {
        if (step.trim() === '') {
            throw new UsageError('USAGE', `--signers: step ${i + 1} is empty (steps are separated by ";")`);
        }
        return step.split(',').map((name, j) => {
            const partyId = name.trim();
            if (partyId === '') {
                throw new UsageError(
                    'USAGE',
                    `--signers: name ${j + 1} of step ${i + 1} is empty (the signers of a step are separated by ",")`,
                );
            }
            return partyId;
        });
    });
}

/** --deadline as given, once it is an ISO 8601 UTC time naming a real date (the SDK checks it is ahead). */
export function parseDeadline(text: string): string {
    if (parseUtcTime(text) === undefined) {
        throw new UsageError(
            'USAGE',
            `--deadline must be an ISO 8601 UTC time such as 2026-12-31T23:59:59Z, not ${JSON.stringify(text)}`,
        );
    }
    return text;
}
