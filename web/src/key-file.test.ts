import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { ErrorCode } from '@sealpact/protocol';
import { expectRejection } from '../../protocol/src/test-support/expect-error';
import { exportPrivateKeyPem, generateKeyPair, sm2PrivateScalarHex } from '../../client/src/crypto/keys';
import { readKeyFile } from './key-file';
import { publicKeyOf } from './page-keys';

// Key files the SDK and the CLI write (encrypted PKCS#8, docs/crypto.md), read by the page: the
// same keys, and the refusals the SDK's key loader gives.

const PASSPHRASE = 'keyring passphrase';

const pkcs8Pem = (key: KeyObject, options: { cipher?: string; passphrase?: string } = {}) =>
    key.export({ type: 'pkcs8', format: 'pem', ...options }).toString();

describe('a key file written by the SDK', () => {
    it.each(['sm2', 'rsa'] as const)('(%s) gives the same key in the page', async (algorithm) => {
        const sdk = generateKeyPair(algorithm, { bits: 2048 });
        const key = await readKeyFile(exportPrivateKeyPem(sdk, PASSPHRASE), PASSPHRASE);
        expect(publicKeyOf(key).fingerprint).toBe(sdk.publicKey.fingerprint);
    });

    it('gives an SM2 key the scalar the SDK reads from it', async () => {
        const sdk = generateKeyPair('sm2');
        const key = await readKeyFile(exportPrivateKeyPem(sdk, PASSPHRASE), PASSPHRASE);
        expect(key.algorithm === 'sm2' && key.privateKey).toBe(sm2PrivateScalarHex(sdk));
    });

    it('and one OpenSSL encrypted with its defaults (AES-128-CBC, 2,048 iterations), or a plain one', async () => {
        const sdk = generateKeyPair('sm2');
        const fromOpenSsl = await readKeyFile(
            pkcs8Pem(sdk.key, { cipher: 'aes-128-cbc', passphrase: PASSPHRASE }),
            PASSPHRASE,
        );
        expect(publicKeyOf(fromOpenSsl).fingerprint).toBe(sdk.publicKey.fingerprint);
        const plain = await readKeyFile(pkcs8Pem(sdk.key), '');
        expect(publicKeyOf(plain).fingerprint).toBe(sdk.publicKey.fingerprint);
    });
});

describe('refusals, each with its code', () => {
    const sm2File = exportPrivateKeyPem(generateKeyPair('sm2'), PASSPHRASE);
    /** The file's DER with `from` (hex) replaced by `to`, as PEM again. */
    const patched = (pem: string, from: string, to: string) => {
        const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('hex');
        expect(der).toContain(from);
        const body = Buffer.from(der.replace(from, to), 'hex').toString('base64');
        return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${body}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
    };
    const cases: Array<[string, () => string, string, ErrorCode, RegExp]> = [
        [
            'a wrong passphrase',
            () => sm2File,
            'not the passphrase',
            'BAD_PASSPHRASE',
            /wrong passphrase or damaged file/,
        ],
        ['no passphrase for an encrypted file', () => sm2File, '', 'PASSPHRASE_REQUIRED', /is encrypted/],
        [
            'a public key',
            () => generateKeyPair('sm2').publicKey.pem,
            PASSPHRASE,
            'PUBLIC_KEY_GIVEN',
            /holds a public key/,
        ],
        [
            'a file that is not PEM',
            () => 'keyring.json',
            PASSPHRASE,
            'BAD_PEM',
            /is not a PKCS#8 "ENCRYPTED PRIVATE KEY" or "PRIVATE KEY" PEM/,
        ],
        [
            'a traditional RSA PRIVATE KEY',
            () =>
                generateKeyPairSync('rsa', { modulusLength: 2048 })
                    .privateKey.export({ type: 'pkcs1', format: 'pem' })
                    .toString(),
            PASSPHRASE,
            'BAD_PEM',
            /is not a PKCS#8/,
        ],
        [
            'a cut file',
            () => sm2File.replace(/\n[^\n]+\n-----END/, '\n-----END'),
            PASSPHRASE,
            'BAD_PEM',
            /is not valid DER: element at byte \d+ runs past the end/,
        ],
        [
            'a cipher other than AES-CBC',
            () => pkcs8Pem(generateKeyPair('sm2').key, { cipher: 'des-ede3-cbc', passphrase: PASSPHRASE }),
            PASSPHRASE,
            'BAD_PEM',
            /a cipher other than AES-CBC, which the page does not read/,
        ],
        // 600,000 iterations (02 03 09 27 c0) made 8,388,607.
        [
            'too many PBKDF2 iterations',
            () => patched(sm2File, '02030927c0', '02037fffff'),
            PASSPHRASE,
            'BAD_PEM',
            /asks for 8388607 PBKDF2 iterations \(1 to 5000000\)/,
        ],
        [
            'a P-256 key',
            () => pkcs8Pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
            '',
            'UNSUPPORTED_KEY',
            /neither RSA nor SM2/,
        ],
        [
            'RSA-1024',
            () => pkcs8Pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey),
            '',
            'WEAK_KEY',
            /RSA-1024 is below 2048 bits/,
        ],
    ];
    it.each(cases)('%s', async (_what, file, passphrase, code, message) => {
        await expectRejection(readKeyFile(file(), passphrase, 'alice.key.pem'), code, message);
    });
});
