import { CryptoError, utf8, WebError } from '@sealpact/protocol';
import { source } from './buffer-source';
import { Keys, PageKey } from './page-keys';

/**
 * What the browser keeps between visits, in IndexedDB, encrypted under the user's passphrase:
 * AES-256-GCM with a key from PBKDF2-SHA256 (600,000 iterations, as the SDK's keyring), both by
 * WebCrypto. Nothing is stored in the clear, and nothing of it is ever sent anywhere.
 */

const DB = 'sealpact';
const STORE = 'vault';
const KEY = 'me';
const PBKDF2_ITERATIONS = 600_000;

export interface VaultContents {
    mspId: string;
    certificate: string;
    privateKey: string;
    /** The Sealpact keys, once generated or imported, with those they replaced. */
    keys?: Keys;
    /** The channel's trust anchors, `<MSPID>.pem` files, once imported (verified-read.ts). */
    trustAnchors?: Array<{ name: string; text: string }>;
}

interface Sealed {
    salt: Uint8Array;
    iv: Uint8Array;
    data: Uint8Array;
}

function database(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
        const request = indexedDB.open(DB, 1);
        request.onupgradeneeded = () => {
            request.result.createObjectStore(STORE);
        };
        request.onsuccess = () => {
            resolve(request.result);
        };
        request.onerror = () => {
            reject(request.error ?? new Error('IndexedDB refused to open'));
        };
    });
}

async function transact<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await database();
    return new Promise((resolve, reject) => {
        const request = run(db.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = () => {
            resolve(request.result);
        };
        request.onerror = () => {
            reject(request.error ?? new Error('IndexedDB request failed'));
        };
    });
}

async function keyFor(passphrase: string, salt: Uint8Array): Promise<CryptoKey> {
    if (passphrase.length === 0) {
        throw new CryptoError('PASSPHRASE_REQUIRED', 'a passphrase protects the keys kept in this browser');
    }
    const base = await crypto.subtle.importKey('raw', source(utf8(passphrase)), 'PBKDF2', false, ['deriveKey']);
    return crypto.subtle.deriveKey(
        { name: 'PBKDF2', hash: 'SHA-256', salt: source(salt), iterations: PBKDF2_ITERATIONS },
        base,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
    );
}

/** Whether this browser keeps an identity. */
export async function hasVault(): Promise<boolean> {
    return (await transact('readonly', (store) => store.count(KEY))) > 0;
}

export async function saveVault(contents: VaultContents, passphrase: string): Promise<void> {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const key = await keyFor(passphrase, salt);
    const data = new Uint8Array(
        await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, source(utf8(JSON.stringify(contents)))),
    );
    const sealed: Sealed = { salt, iv, data };
    await transact('readwrite', (store) => store.put(sealed, KEY));
}

/** The kept identity and keys; BAD_PASSPHRASE when the passphrase does not open them. */
export async function openVault(passphrase: string): Promise<VaultContents> {
    const sealed = await transact<Sealed | undefined>(
        'readonly',
        (store) => store.get(KEY) as IDBRequest<Sealed | undefined>,
    );
    if (sealed === undefined) {
        throw new WebError('BAD_IDENTITY', 'this browser keeps no identity; import one');
    }
    const key = await keyFor(passphrase, sealed.salt);
    let plain: ArrayBuffer;
    try {
        plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: source(sealed.iv) }, key, source(sealed.data));
    } catch {
        throw new WebError('BAD_PASSPHRASE', 'the passphrase does not open the keys kept in this browser');
    }
    return readVaultContents(new TextDecoder().decode(plain));
}

/** A key as the first form of the vault kept it: an SM2 key pair, untagged. */
interface UntaggedSm2Key {
    privateKey: string;
    publicKey: string;
}

type StoredKey = PageKey | UntaggedSm2Key;

/**
 * The vault's contents from their JSON, in either form: the first one (SM2 keys only) kept two
 * untagged SM2 keys and no earlier keys, and is read as the current one, so a browser that signed
 * in before RSA keys came keeps its keys.
 */
export function readVaultContents(json: string): VaultContents {
    const stored = JSON.parse(json) as Omit<VaultContents, 'keys'> & {
        keys?: { encryption: StoredKey; signing: StoredKey; previous?: StoredKey[] };
    };
    const { keys: storedKeys, ...identity } = stored;
    if (storedKeys === undefined) return identity;
    const tagged = (key: StoredKey): PageKey => ('algorithm' in key ? key : { algorithm: 'sm2', ...key });
    const { encryption, signing, previous = [] } = storedKeys;
    return {
        ...identity,
        keys: { encryption: tagged(encryption), signing: tagged(signing), previous: previous.map(tagged) },
    };
}

export async function forgetVault(): Promise<void> {
    await transact('readwrite', (store) => store.delete(KEY));
}
