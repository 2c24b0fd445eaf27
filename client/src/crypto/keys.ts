import {
    constants,
    createPrivateKey,
    createPublicKey,
    generateKeyPairSync,
    KeyObject,
    sign,
    verify,
} from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { encryptPkcs8 } from './pkcs8';
import {
    bytesToHex,
    CryptoError,
    DEFAULT_RSA_BITS,
    describeSpki,
    KeyAlgorithm,
    MAX_RSA_BITS,
    MIN_RSA_BITS,
    PublicKeyInfo,
    readPkcs8,
    RSA_PSS_SALT_LENGTH,
    sm2PointHex,
} from '@sealpact/protocol';

/** A private key Sealpact can use, with its validated public half. */
export interface PrivateKeyInfo {
    algorithm: KeyAlgorithm;
    /** The private key; never log or serialise it. */
    key: KeyObject;
    /** The matching public key, validated exactly as a registered public key is. */
    publicKey: PublicKeyInfo;
}

const MAX_PRIVATE_PEM_LENGTH = 64 * 1024;

/**
 * Generate a key pair from the OpenSSL CSPRNG: SM2 on the GM/T 0003.5 curve, or RSA with
 * `bits` (default 3072, at least 2048) and public exponent 65537.
 * Throws WEAK_KEY for RSA below 2048 bits and BAD_ARGUMENT for other unusable sizes.
 */
export function generateKeyPair(algorithm: KeyAlgorithm, options: { bits?: number } = {}): PrivateKeyInfo {
    if (algorithm === 'sm2') {
        return describePrivateKey(generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey);
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JavaScript callers pass any string
    if (algorithm !== 'rsa') {
        throw new CryptoError('BAD_ARGUMENT', 'unknown key algorithm; use sm2 or rsa');
    }
    const bits = options.bits ?? DEFAULT_RSA_BITS;
    if (!Number.isInteger(bits) || bits > MAX_RSA_BITS || bits % 8 !== 0) {
        throw new CryptoError('BAD_ARGUMENT', `RSA size must be a multiple of 8 up to ${MAX_RSA_BITS} bits`);
    }
    if (bits < MIN_RSA_BITS) {
        throw new CryptoError('WEAK_KEY', `RSA-${bits} is too weak; at least RSA-${MIN_RSA_BITS} is required`);
    }
    return describePrivateKey(generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 }).privateKey);
}

/**
 * The private key as encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY", PBES2 with
 * PBKDF2-HMAC-SHA256 at {@link PBKDF2_ITERATIONS} iterations and AES-256-CBC), readable by
 * `openssl pkey -passin`. Throws PASSPHRASE_REQUIRED for an empty passphrase.
 */
export function exportPrivateKeyPem(key: PrivateKeyInfo, passphrase: string | Uint8Array): string {
    return encryptPkcs8(key.key, passphraseBytes(passphrase));
}

/**
 * Load a PKCS#8 private key PEM: "ENCRYPTED PRIVATE KEY" with its passphrase, or a plain
 * "PRIVATE KEY" (e.g. `openssl genpkey -algorithm SM2`); a passphrase given for a plain key is
 * ignored. Throws BAD_PEM, PUBLIC_KEY_GIVEN, PASSPHRASE_REQUIRED, BAD_PASSPHRASE, WEAK_KEY or
 * UNSUPPORTED_KEY.
 */
export function loadPrivateKey(pem: string, passphrase?: string | Uint8Array): PrivateKeyInfo {
    if (typeof pem !== 'string' || pem.length === 0) {
        throw new CryptoError('BAD_PEM', 'private key is empty');
    }
    if (pem.length > MAX_PRIVATE_PEM_LENGTH) {
        throw new CryptoError('BAD_PEM', `private key is longer than ${MAX_PRIVATE_PEM_LENGTH} characters`);
    }
    const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
    if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') {
        throw new CryptoError('PUBLIC_KEY_GIVEN', 'a public key was given where a private key is needed');
    }
    if (label === 'ENCRYPTED PRIVATE KEY') {
        if (passphrase === undefined) {
            throw new CryptoError('PASSPHRASE_REQUIRED', 'the private key is encrypted; a passphrase is needed');
        }
        return describePrivateKey(decode(pem, passphraseBytes(passphrase), 'BAD_PASSPHRASE'));
    }
    if (label === 'PRIVATE KEY') {
        return describePrivateKey(decode(pem, undefined, 'BAD_PEM'));
    }
    throw new CryptoError(
        'BAD_PEM',
        'expected a PKCS#8 "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" PEM (convert with `openssl pkcs8 -topk8`)',
    );
}

/**
 * The SM2 private scalar d as 64 hex digits, the form sm-crypto-v2 takes. Read from the key's
 * PKCS#8 DER (RFC 5915 ECPrivateKey inside), checked strictly: Node offers no other way out.
 */
export function sm2PrivateScalarHex(key: PrivateKeyInfo): string {
    if (key.algorithm !== 'sm2') {
        throw new CryptoError('UNSUPPORTED_KEY', 'not an SM2 private key');
    }
    return readSm2Scalar(key.key);
}

function decode(pem: string, passphrase: Buffer | undefined, code: 'BAD_PASSPHRASE' | 'BAD_PEM'): KeyObject {
    try {
        return createPrivateKey({ key: pem, format: 'pem', passphrase });
    } catch {
        // With a passphrase, a failure is nearly always a wrong one (a damaged file looks the same).
        throw new CryptoError(
            code,
            passphrase
                ? 'cannot decrypt the private key: wrong passphrase or damaged file'
                : 'not a valid private key PEM',
        );
    }
}

function passphraseBytes(passphrase: string | Uint8Array): Buffer {
    const bytes = typeof passphrase === 'string' ? Buffer.from(passphrase, 'utf8') : Buffer.from(passphrase);
    if (bytes.length === 0) {
        throw new CryptoError('PASSPHRASE_REQUIRED', 'the passphrase is empty');
    }
    return bytes;
}

/**
 * The public half of a KeyObject, checked by the key rule exactly as a registered public key is:
 * its SPKI DER goes through the parser of @sealpact/protocol.
 */
function describePublicKey(key: KeyObject, what: string): PublicKeyInfo {
    let spki: Buffer;
    try {
        spki = key.export({ type: 'spki', format: 'der' });
    } catch {
        // OpenSSL parses an EC point at infinity but cannot write it back.
        throw new CryptoError('BAD_PEM', `${what} cannot be encoded as SubjectPublicKeyInfo (an EC point at infinity)`);
    }
    return describeSpki(spki, what);
}

/**
 * Classify a private KeyObject and check that its private part matches its public key: a damaged
 * file can still parse (OpenSSL checks neither an SM2 scalar against its embedded point nor RSA's
 * n, e, d, p, q, ... against each other) and would then sign what no one can verify.
 */
function describePrivateKey(key: KeyObject): PrivateKeyInfo {
    const publicKey = describePublicKey(createPublicKey(key), 'private key');
    if (publicKey.algorithm === 'sm2' && sm2PublicOf(readSm2Scalar(key)) !== sm2PointHex(publicKey.spki)) {
        throw new CryptoError('BAD_PEM', 'the SM2 private scalar does not match its public point');
    }
    if (publicKey.algorithm === 'rsa' && !rsaSignsVerifiably(key, publicKey)) {
        throw new CryptoError('BAD_PEM', 'the RSA private key does not match its public key (damaged key file)');
    }
    return { algorithm: publicKey.algorithm, key, publicKey };
}

/** Pairwise test (FIPS 140-3 style): an RSA-PSS signature by `key` verifies under `publicKey`. */
function rsaSignsVerifiably(key: KeyObject, publicKey: PublicKeyInfo): boolean {
    const message = Buffer.from('sealpact pairwise test');
    try {
        const signature = sign('sha256', message, {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: RSA_PSS_SALT_LENGTH,
        });
        return verify(
            'sha256',
            message,
            { key: publicKey.pem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH },
            signature,
        );
    } catch {
        return false; // OpenSSL refuses to sign with some damaged keys
    }
}

/** d·G as "04||X||Y" hex, or '' when d is not in [1, n-1]. */
function sm2PublicOf(scalarHex: string): string {
    try {
        return sm2.getPublicKeyFromPrivateKey(scalarHex);
    } catch {
        return '';
    }
}

function readSm2Scalar(key: KeyObject): string {
    const parsed = readPkcs8(key.export({ type: 'pkcs8', format: 'der' }), 'UNSUPPORTED_KEY');
    if (parsed.algorithm !== 'sm2') {
        throw new CryptoError('UNSUPPORTED_KEY', 'not an SM2 private key');
    }
    return bytesToHex(parsed.scalar);
}
