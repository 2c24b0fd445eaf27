import { CryptoError, DER_INTEGER, DER_NULL, DER_SEQUENCE, DerReader, utf8 } from '@sealpact/protocol';
import { source } from './buffer-source';
import { pemBody } from './fabric-identity';
import { keyOfPkcs8, PageKey } from './page-keys';

/**
 * A Sealpact key file read in the browser: the `<fingerprint>.key.pem` files of the SDK's and CLI's
 * keyring and `sealpact keygen`'s `<prefix>.key.pem`, an `ENCRYPTED PRIVATE KEY` (PKCS#8 PBES2,
 * docs/crypto.md section 1), or a plain `PRIVATE KEY`. The DER is read by protocol's strict DerReader;
 * PBKDF2 and AES-CBC are WebCrypto's. Refusals, as the SDK's key loader has them: BAD_PEM (naming what
 * is wrong), PUBLIC_KEY_GIVEN, PASSPHRASE_REQUIRED, BAD_PASSPHRASE, WEAK_KEY, UNSUPPORTED_KEY.
 */

/** The SDK's bound on a private key file (64 KiB), which RSA-16384 fits. */
const MAX_KEY_FILE_LENGTH = 64 * 1024;
/**
 * PBKDF2 iteration counts the page accepts: the SDK writes 600,000, OpenSSL's default is 2,048, and
 * a file asking for more than five million would hold the page for many seconds.
 */
const MAX_ITERATIONS = 5_000_000;

const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
/** PBKDF2's PRFs (RFC 8018, B.1.2); hmacWithSHA1 is the default when the field is absent. */
const PRF_HASHES: Readonly<Record<string, string>> = {
    '1.2.840.113549.2.7': 'SHA-1',
    '1.2.840.113549.2.9': 'SHA-256',
    '1.2.840.113549.2.10': 'SHA-384',
    '1.2.840.113549.2.11': 'SHA-512',
};
/** PBES2's ciphers the page reads (RFC 8018, B.2.5): AES-CBC, key bytes by OID. */
const AES_CBC_KEY_BYTES: Readonly<Record<string, number>> = {
    '2.16.840.1.101.3.4.1.2': 16,
    '2.16.840.1.101.3.4.1.22': 24,
    '2.16.840.1.101.3.4.1.42': 32,
};

/** The key in a key file's text, decrypted with `passphrase` when it is encrypted. */
export async function readKeyFile(text: string, passphrase: string, name = 'the key file'): Promise<PageKey> {
    if (text.length > MAX_KEY_FILE_LENGTH) {
        throw new CryptoError('BAD_PEM', `${name} is longer than ${MAX_KEY_FILE_LENGTH} characters`);
    }
    const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
    if (label === 'PUBLIC KEY') {
        throw new CryptoError('PUBLIC_KEY_GIVEN', `${name} holds a public key; import the private key file`);
    }
    const der = label === undefined ? undefined : pemBody(text, label);
    if (der === undefined || (label !== 'ENCRYPTED PRIVATE KEY' && label !== 'PRIVATE KEY')) {
        throw new CryptoError('BAD_PEM', `${name} is not a PKCS#8 "ENCRYPTED PRIVATE KEY" or "PRIVATE KEY" PEM`);
    }
    if (label === 'PRIVATE KEY') {
        return keyOfPkcs8(der, 'BAD_PEM');
    }
    if (passphrase.length === 0) {
        throw new CryptoError('PASSPHRASE_REQUIRED', `${name} is encrypted; a passphrase is needed`);
    }
    // A wrong passphrase mostly fails AES-CBC's padding; when it does not, the "key" is noise.
    return keyOfPkcs8(await decryptPkcs8(der, passphrase, name), 'BAD_PASSPHRASE');
}

/** The parameters of an EncryptedPrivateKeyInfo with PBES2, PBKDF2 and AES-CBC. */
interface Pbes2 {
    salt: Uint8Array;
    iterations: number;
    hash: string;
    keyBytes: number;
    iv: Uint8Array;
    encrypted: Uint8Array;
}

/**
 *   EncryptedPrivateKeyInfo ::= SEQUENCE {
 *     SEQUENCE { OID PBES2, SEQUENCE {
 *       SEQUENCE { OID PBKDF2, SEQUENCE { OCTET STRING salt, INTEGER iterations,
 *                                         INTEGER keyLength OPTIONAL, SEQUENCE { OID prf, NULL } DEFAULT hmacWithSHA1 } },
 *       SEQUENCE { OID aes-N-cbc, OCTET STRING iv (16 bytes) } } },
 *     OCTET STRING encryptedData }
 */
function readPbes2(der: Uint8Array, name: string): Pbes2 {
    const unsupported = (what: string) =>
        new CryptoError(
            'BAD_PEM',
            `${name} is encrypted with ${what}, which the page does not read; re-encrypt it with \`openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 600000\``,
        );
    const outer = new DerReader(der, 'BAD_PEM', name);
    const info = outer.sequence();
    outer.end();
    const scheme = info.sequence();
    const encrypted = info.octets();
    info.end();
    if (scheme.oid() !== PBES2) {
        throw unsupported('a scheme other than PBES2');
    }
    const pbes2 = scheme.sequence();
    scheme.end();
    const kdf = pbes2.sequence();
    const cipher = pbes2.sequence();
    pbes2.end();
    if (kdf.oid() !== PBKDF2) {
        throw unsupported('a key derivation other than PBKDF2');
    }
    const kdfParams = kdf.sequence();
    kdf.end();
    const salt = kdfParams.octets();
    const iterations = kdfParams.integer();
    const keyLength = kdfParams.peek() === DER_INTEGER ? kdfParams.integer() : undefined;
    let hash = PRF_HASHES['1.2.840.113549.2.7'];
    if (kdfParams.peek() === DER_SEQUENCE) {
        const prf = kdfParams.sequence();
        hash = PRF_HASHES[prf.oid()];
        if (prf.peek() === DER_NULL) prf.null();
        prf.end();
    }
    kdfParams.end();
    const cipherOid = cipher.oid();
    const iv = cipher.octets();
    cipher.end();
    const keyBytes = AES_CBC_KEY_BYTES[cipherOid];
    if (hash === undefined) {
        throw unsupported('a PBKDF2 hash other than HMAC-SHA-1, -256, -384 or -512');
    }
    if (keyBytes === undefined) {
        throw unsupported('a cipher other than AES-CBC');
    }
    if (iterations < 1n || iterations > BigInt(MAX_ITERATIONS)) {
        throw new CryptoError('BAD_PEM', `${name} asks for ${iterations} PBKDF2 iterations (1 to ${MAX_ITERATIONS})`);
    }
    if (
        (keyLength !== undefined && keyLength !== BigInt(keyBytes)) ||
        iv.length !== 16 ||
        encrypted.length % 16 !== 0
    ) {
        throw new CryptoError('BAD_PEM', `${name}: its key length, IV or ciphertext does not fit AES-CBC`);
    }
    return { salt, iterations: Number(iterations), hash, keyBytes, iv, encrypted };
}

async function decryptPkcs8(der: Uint8Array, passphrase: string, name: string): Promise<Uint8Array> {
    const { salt, iterations, hash, keyBytes, iv, encrypted } = readPbes2(der, name);
    const base = await crypto.subtle.importKey('raw', source(utf8(passphrase)), 'PBKDF2', false, ['deriveKey']);
    const key = await crypto.subtle.deriveKey(
        { name: 'PBKDF2', hash, salt: source(salt), iterations },
        base,
        { name: 'AES-CBC', length: keyBytes * 8 },
        false,
        ['decrypt'],
    );
    try {
        return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: source(iv) }, key, source(encrypted)));
    } catch {
        throw new CryptoError('BAD_PASSPHRASE', `${name} does not decrypt: wrong passphrase or damaged file`);
    }
}
