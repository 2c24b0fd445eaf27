import { CryptoError, utf8, WebError } from '@sealpact/protocol';
import { source } from './buffer-source';

/**
 * What the browser keeps between visits, in IndexedDB, encrypted under the user's passphrase:
 * AES-256-GCM with a key from PBKDF2-SHA256 (600,000 iterations, as the SDK's keyring), both by
 * WebCrypto. Nothing is stored in the clear, and nothing of it is ever sent anywhere.
 */

const DB = 'sealpact';
const STORE = 'vault';
const KEY = 'me';
const PBKDF2_ITERATIONS = 600_000;

/** An SM2 key pair: the private scalar and the public point, hex, as sm-crypto-v2 has them. */
export interface Sm2Pair {
    privateKey: string;
    publicKey: string;
}

export interface VaultContents {
    mspId: string;
    certificate: string;
    privateKey: string;
    /** The Sealpact keys, once generated. */
    keys?: { encryption: Sm2Pair; signing: Sm2Pair };
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
    return JSON.parse(new TextDecoder().decode(plain)) as VaultContents;
}

export async function forgetVault(): Promise<void> {
    await transact('readwrite', (store) => store.delete(KEY));
}
