import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClientError, isSealpactError } from '@sealpact/protocol';
import { ioError, writeBufferAtomically } from '../atomic-file';
import { exportPrivateKeyPem, loadPrivateKey, PrivateKeyInfo } from '../crypto/keys';
import { refuseUnsafe } from '../file-safety';

/**
 * A party's Sealpact private keys on disk: one encrypted PKCS#8 file per key, named by its
 * fingerprint (`<fingerprint>.key.pem`), and `keyring.json` naming the active encryption and
 * signing keys. Rotated keys stay, so credentials sealed to them still open.
 */
export interface KeyringIndex {
    schema: 'sealpact/keyring/v1';
    encryption: string | null;
    signing: string | null;
}

const INDEX = 'keyring.json';

/**
 * Refuse a keyring folder that another user owns or others may write (they could swap the index
 * or the upload journal kept beside it); a folder not made yet is fine, it is created 0700.
 *
 * @throws SealpactError UNSAFE_PERMISSIONS, BAD_KEYRING (not a folder) or IO_ERROR
 */
export async function checkKeyringFolder(dir: string): Promise<void> {
    let stats;
    try {
        stats = await stat(dir);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            return;
        }
        throw ioError(err, dir);
    }
    if (!stats.isDirectory()) {
        throw new ClientError('BAD_KEYRING', `the keyring ${dir} is not a folder`);
    }
    refuseUnsafe(stats, dir, 'the keyring folder');
}

export class Keyring {
    private readonly loaded = new Map<string, PrivateKeyInfo>();

    private constructor(
        readonly dir: string,
        private readonly passphrase: string,
        private index: KeyringIndex,
    ) {}

    /** Open (or, when absent, create) the keyring in `dir`; keys are decrypted lazily with `passphrase`. */
    static async open(dir: string, passphrase: string): Promise<Keyring> {
        if (passphrase === '') {
            throw new ClientError('PASSPHRASE_REQUIRED', 'the keyring passphrase is empty');
        }
        await checkKeyringFolder(dir);
        await mkdir(dir, { recursive: true, mode: 0o700 });
        let index: KeyringIndex = { schema: 'sealpact/keyring/v1', encryption: null, signing: null };
        try {
            index = JSON.parse(await readFile(join(dir, INDEX), 'utf8')) as KeyringIndex;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
                throw new ClientError('BAD_KEYRING', `${join(dir, INDEX)} is unreadable or not valid JSON`);
            }
        }
        return new Keyring(dir, passphrase, index);
    }

    /** Store keys (encrypted) without activating them. */
    async add(...keys: PrivateKeyInfo[]): Promise<void> {
        for (const key of keys) {
            const path = join(this.dir, `${key.publicKey.fingerprint}.key.pem`);
            try {
                await writeBufferAtomically(path, Buffer.from(exportPrivateKeyPem(key, this.passphrase)), {
                    overwrite: false,
                });
            } catch (err) {
                // Same fingerprint, same key: it is already held.
                if (!isSealpactError(err, 'FILE_EXISTS')) {
                    throw err;
                }
            }
            this.loaded.set(key.publicKey.fingerprint, key);
        }
    }

    /** Mark the keys the ledger now holds as active (after the registration committed). */
    async activate(encryption: string, signing: string): Promise<void> {
        this.index = { schema: 'sealpact/keyring/v1', encryption, signing };
        await writeBufferAtomically(join(this.dir, INDEX), Buffer.from(JSON.stringify(this.index, null, 2) + '\n'));
    }

    /** The private key with this fingerprint; NO_PRIVATE_KEY when the keyring does not hold it. */
    async key(fingerprint: string): Promise<PrivateKeyInfo> {
        const cached = this.loaded.get(fingerprint);
        if (cached) {
            return cached;
        }
        let pem: string;
        try {
            pem = await readFile(join(this.dir, `${fingerprint}.key.pem`), 'utf8');
        } catch {
            throw new ClientError(
                'NO_PRIVATE_KEY',
                `the keyring ${this.dir} holds no private key with fingerprint ${fingerprint}`,
            );
        }
        const key = loadPrivateKey(pem, this.passphrase);
        if (key.publicKey.fingerprint !== fingerprint) {
            throw new ClientError('BAD_KEYRING', `${fingerprint}.key.pem holds another key`);
        }
        this.loaded.set(fingerprint, key);
        return key;
    }

    /** The fingerprint of the active key for a role, without decrypting it; undefined before any registration. */
    activeFingerprint(role: 'encryption' | 'signing'): string | undefined {
        return this.index[role] ?? undefined;
    }

    /** The active key for a role; NO_ACTIVE_KEY before any registration. */
    async active(role: 'encryption' | 'signing'): Promise<PrivateKeyInfo> {
        const fingerprint = this.activeFingerprint(role);
        if (fingerprint === undefined) {
            throw new ClientError('NO_ACTIVE_KEY', `the keyring ${this.dir} has no active ${role} key; register first`);
        }
        return this.key(fingerprint);
    }
}

/** The keyring an operation needs (register, receive, sign, grant); NO_KEYRING when none was given. */
export function requireKeyring(keyring: Keyring | undefined): Keyring {
    if (keyring === undefined) {
        throw new ClientError('NO_KEYRING', "this operation needs the party's keyring (its Sealpact private keys)");
    }
    return keyring;
}
