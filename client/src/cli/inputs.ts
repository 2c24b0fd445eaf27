import { readFile, stat } from 'node:fs/promises';
import { SealpactError } from '@sealpact/chaincode/dist/lib/errors';
import { ioError } from '../atomic-file';
import { loadPrivateKey, PrivateKeyInfo } from '../crypto/keys';
import { Options } from './command';

/** Inputs that are keys, passwords or signatures are small; refuse a wrong file early. */
const MAX_SMALL_FILE = 1024 * 1024;

/** Read a small input file named by an option, with errors that name the option and path. */
export async function readSmallFile(path: string, option: string): Promise<Buffer> {
    try {
        const info = await stat(path);
        if (!info.isFile()) {
            throw new SealpactError('BAD_INPUT', `--${option} ${path} is not a file`);
        }
        if (info.size > MAX_SMALL_FILE) {
            throw new SealpactError(
                'BAD_INPUT',
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
            throw new SealpactError('BAD_INPUT', `--${option} ${path} is not a file`);
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
            throw new SealpactError('PASSPHRASE_REQUIRED', `--passphrase-file ${file} is empty`);
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
            throw new SealpactError(err.code, `${path} is encrypted: give --passphrase-file or set ${PASSPHRASE_ENV}`);
        }
        throw err;
    }
}

export const PASSPHRASE_OPTION = {
    type: 'string',
    description: `file whose first line is the private key's passphrase (or set ${PASSPHRASE_ENV})`,
} as const;

/** Read and parse a small JSON file named by an option. */
export async function readJson(path: string, option: string): Promise<unknown> {
    const text = (await readSmallFile(path, option)).toString('utf8');
    try {
        return JSON.parse(text);
    } catch (err) {
        throw new SealpactError('BAD_JSON', `--${option} ${path} is not valid JSON: ${(err as Error).message}`);
    }
}
