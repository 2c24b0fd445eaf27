import { DigestAlgorithm, FILE_PASSWORD_LENGTH, UsageError } from '@sealpact/protocol';
import { writeBufferAtomically } from '../atomic-file';
import { parseDrawing } from '../crypto/drawing';
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
        in: { type: 'string', required: true, description: 'the plaintext file' },
        out: { type: 'string', required: true, description: 'where to write the container' },
    },
    async run(options) {
        const suite = oneOf(options, 'suite', SUITES);
        const password = await readFilePassword(options);
        const input = required(options, 'in');
        const meter = progressBar('encrypting', await fileSize(input, 'in'));
        const info = await encryptFile(input, required(options, 'out'), {
            suite,
            password,
            aad: options.aad as string | undefined,
            meter,
        });
        return { json: { ...info }, text: `${info.digestAlg}:${info.digest}` };
    },
};

const decrypt: Command = {
    name: 'decrypt',
    summary: 'decrypt a Sealpact container; the output appears only once every chunk verified',
    options: {
        'key-file': KEY_FILE,
        aad: AAD,
        in: { type: 'string', required: true, description: 'the container' },
        out: { type: 'string', required: true, description: 'where to write the plaintext' },
    },
    async run(options) {
        const password = await readFilePassword(options);
        const input = required(options, 'in');
        const meter = progressBar('decrypting', await fileSize(input, 'in'));
        const output = required(options, 'out');
        const info = await decryptFile(input, output, { password, aad: options.aad as string | undefined, meter });
        return { json: { ...info }, text: `decrypted to ${output} (${info.suite}, ${info.digestAlg}:${info.digest})` };
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
