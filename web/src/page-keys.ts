import {
    base64ToBytes,
    bytesToBase64,
    bytesToHex,
    CryptoError,
    DEFAULT_RSA_BITS,
    describeSpki,
    ErrorCode,
    KeyAlgorithm,
    PublicKeyInfo,
    readPkcs8,
    RSA_PSS_SALT_LENGTH,
    SealpactError,
    SM2_ORDER,
    sm2Open,
    sm2PublicKey,
    sm2SignMessage,
} from '@sealpact/protocol';
import { sm2 } from 'sm-crypto-v2';
import { source } from './buffer-source';

/**
 * The page's Sealpact private keys, SM2 or RSA, with the SDK's algorithms (docs/crypto.md): RSA-OAEP
 * (SHA-256, MGF1-SHA-256, empty label) opens envelopes and RSA-PSS (SHA-256, 32-byte salt) signs, by
 * WebCrypto; SM2 by sm-crypto-v2 through @sealpact/protocol. A key is kept as data the vault can
 * encrypt under the passphrase; an RSA key is imported into WebCrypto non-extractable for each use.
 */
export type PageKey =
    /** sm-crypto-v2's form: the scalar d and the point 04||X||Y, hex. */
    | { algorithm: 'sm2'; privateKey: string; publicKey: string }
    /** PKCS#8 and SubjectPublicKeyInfo DER, base64. */
    | { algorithm: 'rsa'; pkcs8: string; spki: string };

/** The page's keys: the active ones, and those they replaced, kept so files sealed to them still open. */
export interface Keys {
    encryption: PageKey;
    signing: PageKey;
    previous: PageKey[];
}

/** The algorithm of each key to make, as the SDK allows: SM2 or RSA for either. */
export interface KeyChoice {
    encryption: KeyAlgorithm;
    signing: KeyAlgorithm;
}

const RSA_PSS = { name: 'RSA-PSS', hash: 'SHA-256' } as const;
const RSA_OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

/** A new key from the CSPRNG: SM2, or RSA-3072 with exponent 65537 (the SDK's default). */
export async function generateKey(algorithm: KeyAlgorithm): Promise<PageKey> {
    if (algorithm === 'sm2') {
        const { privateKey, publicKey } = sm2.generateKeyPairHex();
        return { algorithm, privateKey, publicKey };
    }
    const pair = await crypto.subtle.generateKey(
        { ...RSA_PSS, modulusLength: DEFAULT_RSA_BITS, publicExponent: new Uint8Array([1, 0, 1]) },
        true,
        ['sign', 'verify'],
    );
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
    describeSpki(spki, 'generated RSA key');
    return { algorithm, pkcs8: bytesToBase64(pkcs8), spki: bytesToBase64(spki) };
}

export async function generateKeys(choice: KeyChoice): Promise<Keys> {
    const [encryption, signing] = await Promise.all([generateKey(choice.encryption), generateKey(choice.signing)]);
    return { encryption, signing, previous: [] };
}

/** The key's public half, checked by the key rule as every key entering Sealpact is. */
export function publicKeyOf(key: PageKey): PublicKeyInfo {
    return key.algorithm === 'sm2' ? sm2PublicKey(key.publicKey) : describeSpki(decode(key.spki), 'RSA public key');
}

/** The signature the chaincode verifies: SM2 (SM3, default user id) as DER, or the RSA-PSS block. */
export async function signWith(key: PageKey, message: Uint8Array): Promise<Uint8Array> {
    if (key.algorithm === 'sm2') {
        return sm2SignMessage(key.privateKey, publicKeyOf(key), message);
    }
    const rsa = await crypto.subtle.importKey('pkcs8', source(decode(key.pkcs8)), RSA_PSS, false, ['sign']);
    return new Uint8Array(
        await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: RSA_PSS_SALT_LENGTH }, rsa, source(message)),
    );
}

/**
 * The password in an envelope sealed to this key. BAD_ENVELOPE for malformed input (bad DER, an RSA
 * block of the wrong length, an empty password), ENVELOPE_OPEN_FAILED when it does not decrypt: the
 * SDK's codes.
 */
export async function openWith(key: PageKey, envelope: Uint8Array): Promise<Uint8Array> {
    const password = key.algorithm === 'sm2' ? sm2Open(key.privateKey, envelope) : await rsaOpen(key, envelope);
    if (password.length === 0) {
        throw new CryptoError('BAD_ENVELOPE', 'the envelope holds an empty password');
    }
    return password;
}

async function rsaOpen(key: PageKey & { algorithm: 'rsa' }, envelope: Uint8Array): Promise<Uint8Array> {
    const size = Math.ceil(publicKeyOf(key).bits / 8);
    // RFC 8017 7.1.2: the ciphertext is exactly k bytes.
    if (envelope.length !== size) {
        throw new CryptoError('BAD_ENVELOPE', `RSA envelope is ${envelope.length} bytes, not ${size}`);
    }
    const rsa = await crypto.subtle.importKey('pkcs8', source(decode(key.pkcs8)), RSA_OAEP, false, ['decrypt']);
    try {
        return new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, rsa, source(envelope)));
    } catch {
        throw new CryptoError(
            'ENVELOPE_OPEN_FAILED',
            'RSA envelope does not open with this key (wrong key or altered)',
        );
    }
}

/**
 * The key in an unencrypted PKCS#8 DER, with its public half derived from the private part and
 * checked by the key rule: `code` for DER that does not parse (the caller says what that means),
 * UNSUPPORTED_KEY for other key types, WEAK_KEY for RSA breaking the rule, BAD_PEM for an RSA key
 * whose parts do not sign verifiably (the SDK's pairwise test, docs/crypto.md).
 */
export async function keyOfPkcs8(der: Uint8Array, code: ErrorCode): Promise<PageKey> {
    const parsed = readPkcs8(der, code);
    if (parsed.algorithm === 'sm2') {
        const privateKey = bytesToHex(parsed.scalar);
        const key: PageKey = { algorithm: 'sm2', privateKey, publicKey: sm2PointOf(privateKey) };
        publicKeyOf(key);
        return key;
    }
    let spki: Uint8Array;
    try {
        // WebCrypto gives no public half of a private key but through its JWK's n and e.
        const { n, e } = await crypto.subtle.exportKey(
            'jwk',
            await crypto.subtle.importKey('pkcs8', source(der), RSA_PSS, true, ['sign']),
        );
        const publicKey = await crypto.subtle.importKey('jwk', { kty: 'RSA', n, e }, RSA_PSS, true, ['verify']);
        spki = new Uint8Array(await crypto.subtle.exportKey('spki', publicKey));
    } catch {
        throw new SealpactError(code, 'the RSA private key does not parse');
    }
    const key: PageKey = { algorithm: 'rsa', pkcs8: bytesToBase64(der), spki: bytesToBase64(spki) };
    publicKeyOf(key);
    await pairwiseTest(key);
    return key;
}

/** d·G; BAD_PEM when d is not a valid SM2 scalar. */
function sm2PointOf(scalarHex: string): string {
    const d = BigInt(`0x${scalarHex}`);
    if (d < 1n || d >= SM2_ORDER) {
        throw new CryptoError('BAD_PEM', 'the SM2 private scalar is not in [1, n-1]');
    }
    return sm2.getPublicKeyFromPrivateKey(scalarHex);
}

/** An RSA-PSS signature by the key verifies under its public half, as the SDK checks a loaded key. */
async function pairwiseTest(key: PageKey & { algorithm: 'rsa' }): Promise<void> {
    const message = new TextEncoder().encode('sealpact pairwise test');
    const publicKey = await crypto.subtle.importKey('spki', source(decode(key.spki)), RSA_PSS, false, ['verify']);
    const verified = await signWith(key, message)
        .then((signature) =>
            crypto.subtle.verify(
                { name: 'RSA-PSS', saltLength: RSA_PSS_SALT_LENGTH },
                publicKey,
                source(signature),
                source(message),
            ),
        )
        .catch(() => false);
    if (!verified) {
        throw new CryptoError('BAD_PEM', 'the RSA private key does not match its public key (damaged key file)');
    }
}

function decode(base64: string): Uint8Array {
    const bytes = base64ToBytes(base64);
    if (bytes === undefined) {
        throw new CryptoError('BAD_PEM', 'a kept key is not base64');
    }
    return bytes;
}
