import { lstat, rm } from 'node:fs/promises';
import { parsePublicKey, UsageError } from '@sealpact/protocol';
import { writeBufferAtomically } from '../atomic-file';
import { openEnvelope, sealEnvelope } from '../crypto/envelope';
import { exportPrivateKeyPem, generateKeyPair } from '../crypto/keys';
import { signStream, verifyStream } from '../crypto/signature';
import { Command, EXIT_INVALID, EXIT_OK, required } from './command';
import {
    fileSize,
    KEY_OPTIONS,
    keyAlgorithm,
    PASSPHRASE_ENV,
    PASSPHRASE_OPTION,
    readPassphrase,
    readPrivateKey,
    readSmallFile,
} from './inputs';
import { readMetered } from './progress';

const keygen: Command = {
    name: 'keygen',
    summary: 'make an SM2 or RSA key pair: <prefix>.pub.pem and an encrypted <prefix>.key.pem',
    options: {
        ...KEY_OPTIONS,
        out: { type: 'string', required: true, description: 'path prefix of the two key files' },
        'passphrase-file': PASSPHRASE_OPTION,
    },
    async run(options) {
        const { alg, bits } = keyAlgorithm(options);
        // Private keys are never written unencrypted (docs/crypto.md, "Private keys").
        const passphrase = await readPassphrase(options);
        if (passphrase === undefined) {
            throw new UsageError(
                'PASSPHRASE_REQUIRED',
                `keygen encrypts the private key: give --passphrase-file or set ${PASSPHRASE_ENV}`,
            );
        }
        const prefix = required(options, 'out');
        const publicPath = `${prefix}.pub.pem`;
        const privatePath = `${prefix}.key.pem`;
        // Neither file may replace an existing one (overwriting a private key loses every file
        // sealed to it), and half a pair is no use: both paths are checked before either is written.
        for (const path of [privatePath, publicPath]) {
            if (
                await lstat(path).then(
                    () => true,
                    () => false,
                )
            ) {
                throw new UsageError('FILE_EXISTS', `${path} already exists; refusing to overwrite it`);
            }
        }
        const key = generateKeyPair(alg, { bits });
        // The public key first: if the private key cannot be written, what is left to undo is public.
        await writeBufferAtomically(publicPath, Buffer.from(key.publicKey.pem), { overwrite: false, mode: 0o644 });
        try {
            await writeBufferAtomically(privatePath, Buffer.from(exportPrivateKeyPem(key, passphrase)), {
                overwrite: false,
            });
        } catch (err) {
            await rm(publicPath, { force: true });
            throw err;
        }
        const { algorithm, fingerprint, bits: keyBits } = key.publicKey;
        return {
            json: { algorithm, bits: keyBits, fingerprint, publicKey: publicPath, privateKey: privatePath },
            text: `${algorithm.toUpperCase()}-${keyBits} key pair\n  public:      ${publicPath}\n  private:     ${privatePath} (encrypted)\n  fingerprint: ${fingerprint}`,
        };
    },
};

const seal: Command = {
    name: 'seal',
    summary: "seal a file password for a recipient's public key (SM2: GM/T 0009 DER; RSA: OAEP-SHA256)",
    options: {
        to: { type: 'string', required: true, description: "the recipient's public key PEM" },
        in: { type: 'string', required: true, description: 'the password file to seal' },
        out: { type: 'string', required: true, description: 'where to write the envelope' },
    },
    async run(options) {
        const recipient = parsePublicKey((await readSmallFile(required(options, 'to'), 'to')).toString('utf8'), '--to');
        const envelope = sealEnvelope(recipient, await readSmallFile(required(options, 'in'), 'in'));
        await writeBufferAtomically(required(options, 'out'), envelope, { mode: 0o644 });
        return {
            json: { algorithm: recipient.algorithm, recipient: recipient.fingerprint, bytes: envelope.length },
            text: `sealed for ${recipient.algorithm.toUpperCase()} key ${recipient.fingerprint} (${envelope.length} bytes)`,
        };
    },
};

const open: Command = {
    name: 'open',
    summary: 'open an envelope with your private key and write the password it holds',
    options: {
        key: { type: 'string', required: true, description: 'your private key PEM' },
        'passphrase-file': PASSPHRASE_OPTION,
        in: { type: 'string', required: true, description: 'the envelope' },
        out: { type: 'string', required: true, description: 'where to write the password (mode 0600)' },
    },
    async run(options) {
        const key = await readPrivateKey(options, 'key');
        const password = openEnvelope(key, await readSmallFile(required(options, 'in'), 'in'));
        await writeBufferAtomically(required(options, 'out'), password);
        return {
            json: { algorithm: key.algorithm, bytes: password.length },
            text: `opened: ${password.length}-byte password written`,
        };
    },
};

const sign: Command = {
    name: 'sign',
    summary: 'make a detached signature: SM2-SM3 (user id 1234567812345678) or RSA-PSS-SHA256',
    options: {
        key: { type: 'string', required: true, description: 'your private signing key PEM' },
        'passphrase-file': PASSPHRASE_OPTION,
        in: { type: 'string', required: true, description: 'the file to sign' },
        out: { type: 'string', required: true, description: 'where to write the signature' },
    },
    async run(options) {
        const key = await readPrivateKey(options, 'key');
        const input = required(options, 'in');
        const size = await fileSize(input, 'in');
        const signature = await readMetered(input, 'signing', size, (source) => signStream(key, source));
        await writeBufferAtomically(required(options, 'out'), signature, { mode: 0o644 });
        return {
            json: {
                algorithm: key.algorithm,
                fingerprint: key.publicKey.fingerprint,
                signature: signature.toString('base64'),
            },
            text: `signed with ${key.algorithm.toUpperCase()} key ${key.publicKey.fingerprint}`,
        };
    },
};

const verify: Command = {
    name: 'verify',
    summary: 'check a detached signature; exits 0 only when it is valid',
    options: {
        pub: { type: 'string', required: true, description: "the signer's public key PEM" },
        in: { type: 'string', required: true, description: 'the signed file' },
        sig: { type: 'string', required: true, description: 'the signature' },
    },
    async run(options) {
        const key = parsePublicKey((await readSmallFile(required(options, 'pub'), 'pub')).toString('utf8'), '--pub');
        const signature = await readSmallFile(required(options, 'sig'), 'sig');
        const input = required(options, 'in');
        const size = await fileSize(input, 'in');
        const valid = await readMetered(input, 'verifying', size, (source) => verifyStream(key, source, signature));
        return {
            json: { valid, algorithm: key.algorithm, fingerprint: key.fingerprint },
            text: valid ? 'signature valid' : 'signature NOT valid',
            exitCode: valid ? EXIT_OK : EXIT_INVALID,
        };
    },
};

export const keyCommands = [keygen, seal, open, sign, verify];
