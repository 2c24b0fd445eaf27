import {
    chmodSync,
    chownSync,
    copyFileSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    rmSync,
    statSync,
    writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSealpactError } from '@sealpact/protocol';
import { generateKeyPair } from '../crypto/keys';
import { expectError, expectRejection } from '../../../protocol/src/test-support/expect-error';
import { Keyring, requireKeyring } from './keyring';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sealpact-keyring-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opening = (folder: string) =>
    Keyring.open(folder, 'passphrase').then(
        () => 'opened',
        (err: unknown) => err,
    );

describe('Keyring.open', () => {
    it('creates a missing folder that only its owner may use', async () => {
        expect(await opening(join(dir, 'new', 'keyring'))).toBe('opened');
        expect(statSync(join(dir, 'new', 'keyring')).mode & 0o777).toBe(0o700);
    });

    it.each([
        ['writable by its group', (path: string) => chmodSync(path, 0o770)],
        ['writable by everyone', (path: string) => chmodSync(path, 0o1777)],
        ['owned by another user', (path: string) => chownSync(path, 65534, 65534)],
    ])('refuses a folder %s', async (name, spoil) => {
        const folder = join(dir, name.replace(/ /g, '-'));
        mkdirSync(folder, { mode: 0o700 });
        spoil(folder);
        const err = await opening(folder);
        expect(isSealpactError(err, 'UNSAFE_PERMISSIONS')).toBe(true);
        expect((err as Error).message).toContain(`the keyring folder ${folder} `);
    });
});

describe('Keyring', () => {
    const PASSPHRASE = 'keyring passphrase';
    const encryption = generateKeyPair('sm2');
    const signing = generateKeyPair('sm2');
    const [enc, sig] = [encryption.publicKey.fingerprint, signing.publicKey.fingerprint];

    it('keeps each key encrypted under its fingerprint, and the active ones once activated', async () => {
        const folder = join(dir, 'keys');
        const keyring = await Keyring.open(folder, PASSPHRASE);
        await expectRejection(
            keyring.active('encryption'),
            'NO_ACTIVE_KEY',
            `NO_ACTIVE_KEY: the keyring ${folder} has no active encryption key; register first`,
        );
        await keyring.add(encryption, signing);
        await keyring.add(encryption); // already held: kept as it is
        expect(readFileSync(join(folder, `${enc}.key.pem`), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
        expect(statSync(join(folder, `${sig}.key.pem`)).mode & 0o777).toBe(0o600);
        await keyring.activate(enc, sig);

        // Another process reads the keys back from disk with the passphrase.
        const reopened = await Keyring.open(folder, PASSPHRASE);
        expect((await reopened.active('encryption')).publicKey.fingerprint).toBe(enc);
        expect((await reopened.active('signing')).publicKey.fingerprint).toBe(sig);
        await expectRejection(
            reopened.key('0'.repeat(64)),
            'NO_PRIVATE_KEY',
            `NO_PRIVATE_KEY: the keyring ${folder} holds no private key with fingerprint ${'0'.repeat(64)}`,
        );
        await expectRejection(
            (await Keyring.open(folder, 'another passphrase')).key(enc),
            'BAD_PASSPHRASE',
            /^BAD_PASSPHRASE: /,
        );
    });

    it('refuses a key file that holds another key, an unreadable index and an empty passphrase', async () => {
        const folder = join(dir, 'swapped');
        const keyring = await Keyring.open(folder, PASSPHRASE);
        await keyring.add(encryption, signing);
        copyFileSync(join(folder, `${sig}.key.pem`), join(folder, `${enc}.key.pem`));
        await expectRejection(
            (await Keyring.open(folder, PASSPHRASE)).key(enc),
            'BAD_KEYRING',
            `BAD_KEYRING: ${enc}.key.pem holds another key`,
        );

        writeFileSync(join(folder, 'keyring.json'), '{ not json');
        await expectRejection(
            Keyring.open(folder, PASSPHRASE),
            'BAD_KEYRING',
            `BAD_KEYRING: ${join(folder, 'keyring.json')} is unreadable or not valid JSON`,
        );
        const file = join(dir, 'a-file');
        writeFileSync(file, '');
        await expectRejection(
            Keyring.open(file, PASSPHRASE),
            'BAD_KEYRING',
            `BAD_KEYRING: the keyring ${file} is not a folder`,
        );
        await expectRejection(
            Keyring.open(folder, ''),
            'PASSPHRASE_REQUIRED',
            'PASSPHRASE_REQUIRED: the keyring passphrase is empty',
        );
    });

    it('is required by the operations that use private keys', () => {
        expectError(
            () => requireKeyring(undefined),
            'NO_KEYRING',
            /^NO_KEYRING: this operation needs the party's keyring/,
        );
    });
});
