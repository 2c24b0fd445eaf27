import { sha256 } from '@noble/hashes/sha2';
import { sm2 } from 'sm-crypto-v2';
import { base64ToBytes, bytesToBase64, bytesToHex, equalBytes, hexToBytes } from './bytes';
import { DerReader } from './der';
import { SealpactError } from './errors';

/**
 * Public keys as Sealpact accepts them, as PEM SubjectPublicKeyInfo: SM2 (a point on the GM/T 0003
 * curve) or RSA with an odd modulus of 2048 to 16384 bits and an odd public exponent
 * 65537 <= e < 2^256 (FIPS 186-5, A.1.1). Shared by the chaincode (which validates registrations and
 * verifies contract signatures) and the client (which seals file passwords). Parsed here from the
 * DER, without node:crypto, so that every side applies the one rule the same way.
 */
export type KeyAlgorithm = 'sm2' | 'rsa';

export interface PublicKeyInfo {
    algorithm: KeyAlgorithm;
    /** Canonical PEM re-encoded from the DER, so the same key always has the same text. */
    pem: string;
    /** SubjectPublicKeyInfo DER. */
    spki: Uint8Array;
    /** Hex SHA-256 of the SPKI DER. */
    fingerprint: string;
    /** Modulus size for RSA, 256 for SM2. */
    bits: number;
}

export const MIN_RSA_BITS = 2048;
/** The RSA size the SDK and the web app generate unless told otherwise. */
export const DEFAULT_RSA_BITS = 3072;
export const MAX_RSA_BITS = 16384;
// With e = 1 an envelope is the password in the clear and anyone can forge a PSS "signature";
// small exponents are what FIPS 186-5 rules out.
const MIN_RSA_EXPONENT = 65537n;
const RSA_EXPONENT_LIMIT = 1n << 256n;
/** The default SM2 signer id of GM/T 0009 and GB/T 35276. */
export const SM2_DEFAULT_USER_ID = '1234567812345678';
/** RSA-PSS salt length: the SHA-256 digest length, as `openssl ... -sigopt rsa_pss_saltlen:digest`. */
export const RSA_PSS_SALT_LENGTH = 32;
const MAX_PEM_LENGTH = 16 * 1024;

export const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const SM2_CURVE = '1.2.156.10197.1.301';
// An SM2 SPKI is this fixed prefix (id-ecPublicKey, curve 1.2.156.10197.1.301, BIT STRING)
// followed by the 65-byte uncompressed point 04||X||Y.
const SM2_SPKI_PREFIX = hexToBytes('3059301306072a8648ce3d020106082a811ccf5501822d034200');

// Names of the curves and key types Sealpact refuses, as OpenSSL (and Node) call them, for messages.
const CURVE_NAMES: Readonly<Record<string, string>> = {
    '1.2.840.10045.3.1.7': 'prime256v1',
    '1.3.132.0.34': 'secp384r1',
    '1.3.132.0.35': 'secp521r1',
    '1.3.132.0.10': 'secp256k1',
    '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
    '1.3.36.3.3.2.8.1.1.11': 'brainpoolP384r1',
    '1.3.36.3.3.2.8.1.1.13': 'brainpoolP512r1',
};
const KEY_TYPE_NAMES: Readonly<Record<string, string>> = {
    '1.2.840.113549.1.1.10': 'rsa-pss',
    '1.2.840.10040.4.1': 'dsa',
    '1.2.840.113549.1.3.1': 'dh',
    '1.3.101.110': 'x25519',
    '1.3.101.111': 'x448',
    '1.3.101.112': 'ed25519',
    '1.3.101.113': 'ed448',
};

export function fingerprintOf(spki: Uint8Array): string {
    return bytesToHex(sha256(spki));
}

/** Parse and validate a public key PEM; throws BAD_PEM, PRIVATE_KEY_GIVEN, WEAK_KEY or UNSUPPORTED_KEY. */
export function parsePublicKey(pem: string, what = 'public key'): PublicKeyInfo {
    if (typeof pem !== 'string' || pem.length === 0) {
        throw new SealpactError('BAD_PEM', `${what} is empty`);
    }
    if (pem.length > MAX_PEM_LENGTH) {
        throw new SealpactError('BAD_PEM', `${what} is longer than ${MAX_PEM_LENGTH} characters`);
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
        throw new SealpactError('PRIVATE_KEY_GIVEN', `${what}: a private key was given where a public key is needed`);
    }
    if (!/^\s*-----BEGIN PUBLIC KEY-----/.test(pem)) {
        throw new SealpactError('BAD_PEM', `${what} is not a PEM "PUBLIC KEY" (SubjectPublicKeyInfo)`);
    }
    // One block, nothing after it but white space; base64 lines of any length.
    const body = /^\s*-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]*)-----END PUBLIC KEY-----\s*$/.exec(pem)?.[1];
    const der = body === undefined ? undefined : base64ToBytes(body.replace(/\s+/g, ''));
    if (der === undefined || der.length === 0) {
        throw new SealpactError('BAD_PEM', `${what} is not a valid PEM public key`);
    }
    return describeSpki(der, what);
}

/**
 * Classify a SubjectPublicKeyInfo DER: every key entering Sealpact, on the ledger or in the client,
 * passes here. Throws BAD_PEM for DER that does not parse or an SM2 point that is not an
 * uncompressed point on the curve, WEAK_KEY naming the RSA rule broken, UNSUPPORTED_KEY for
 * anything else. The DER is read strictly, so an accepted key has exactly one encoding and one
 * fingerprint.
 */
export function describeSpki(spki: Uint8Array, what = 'public key'): PublicKeyInfo {
    const key = readSpki(spki, what);
    const info = (algorithm: KeyAlgorithm, bits: number): PublicKeyInfo => ({
        algorithm,
        pem: pemOf(spki),
        spki,
        fingerprint: fingerprintOf(spki),
        bits,
    });
    if (key.kind === 'rsa') {
        return info('rsa', checkRsaKey(key.n, key.e, what));
    }
    if (key.kind === 'ec' && key.curve === SM2_CURVE) {
        checkSm2Point(spki, key.point, what);
        return info('sm2', 256);
    }
    if (key.kind === 'ec') {
        throw new SealpactError(
            'UNSUPPORTED_KEY',
            `${what} is on curve ${CURVE_NAMES[key.curve] ?? key.curve}; only the SM2 curve is accepted for EC keys`,
        );
    }
    throw new SealpactError(
        'UNSUPPORTED_KEY',
        `${what} is of type ${KEY_TYPE_NAMES[key.algorithm] ?? key.algorithm}; only SM2 and RSA keys are accepted`,
    );
}

type SpkiKey =
    | { kind: 'rsa'; n: bigint; e: bigint }
    | { kind: 'ec'; curve: string; point: Uint8Array }
    | { kind: 'other'; algorithm: string };

/**
 * SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID algorithm, parameters }, BIT STRING key }.
 * RSA: parameters NULL, key RSAPublicKey ::= SEQUENCE { INTEGER n, INTEGER e }. EC: parameters
 * the OID of the curve, key the point. Other types are only named. Throws BAD_PEM.
 */
function readSpki(spki: Uint8Array, what: string): SpkiKey {
    try {
        const outer = new DerReader(spki, 'BAD_PEM', what);
        const info = outer.sequence();
        outer.end();
        const algorithmId = info.sequence();
        const algorithm = algorithmId.oid();
        if (algorithm === RSA_ENCRYPTION) {
            algorithmId.null();
            algorithmId.end();
            const bits = new DerReader(info.bits(), 'BAD_PEM', what);
            info.end();
            const fields = bits.sequence();
            bits.end();
            const [n, e] = [fields.integer(), fields.integer()];
            fields.end();
            return { kind: 'rsa', n, e };
        }
        if (algorithm === EC_PUBLIC_KEY) {
            const curve = algorithmId.oid();
            algorithmId.end();
            const point = info.bits();
            info.end();
            return { kind: 'ec', curve, point };
        }
        return { kind: 'other', algorithm };
    } catch {
        throw new SealpactError('BAD_PEM', `${what} is not a valid PEM public key`);
    }
}

/** PEM as OpenSSL writes it: 64-character lines, LF endings. */
function pemOf(spki: Uint8Array): string {
    const lines = bytesToBase64(spki).match(/.{1,64}/g) ?? [];
    return ['-----BEGIN PUBLIC KEY-----', ...lines, '-----END PUBLIC KEY-----', ''].join('\n');
}

/** The modulus size of an RSA key that keeps every rule; throws WEAK_KEY naming the rule broken. */
function checkRsaKey(n: bigint, e: bigint, what: string): number {
    const bits = n.toString(2).length;
    // Each rule with the message naming it, in the order they are checked.
    const rules: [kept: boolean, broken: string][] = [
        [bits >= MIN_RSA_BITS, `RSA-${bits} is below ${MIN_RSA_BITS} bits`],
        [bits <= MAX_RSA_BITS, `RSA-${bits} is above ${MAX_RSA_BITS} bits`],
        [n % 2n === 1n, 'RSA modulus is even'],
        [e >= MIN_RSA_EXPONENT, `RSA public exponent ${e} is below ${MIN_RSA_EXPONENT}`],
        [e < RSA_EXPONENT_LIMIT, 'RSA public exponent is not below 2^256'],
        [e % 2n === 1n, `RSA public exponent ${e} is even`],
    ];
    const broken = rules.find(([kept]) => !kept);
    if (broken) {
        throw new SealpactError('WEAK_KEY', `${what}: ${broken[1]}`);
    }
    return bits;
}

/**
 * Throws BAD_PEM unless an SM2 SPKI holds an uncompressed point on the curve: one encoding per key,
 * so one fingerprint. The point at infinity is the single byte 00, which OpenSSL reads but cannot
 * write back, so it is named as such.
 */
function checkSm2Point(spki: Uint8Array, point: Uint8Array, what: string): void {
    if (point.length === 1 && point[0] === 0) {
        throw new SealpactError(
            'BAD_PEM',
            `${what} cannot be encoded as SubjectPublicKeyInfo (an EC point at infinity)`,
        );
    }
    if (!isSm2Spki(spki)) {
        throw new SealpactError('BAD_PEM', `${what}: the SM2 point is not an uncompressed point 04||X||Y`);
    }
    if (!isSm2Point(sm2PointHex(spki))) {
        throw new SealpactError('BAD_PEM', `${what}: the SM2 point is not on the curve`);
    }
}

function isSm2Spki(spki: Uint8Array): boolean {
    return (
        spki.length === SM2_SPKI_PREFIX.length + 65 &&
        equalBytes(spki.subarray(0, SM2_SPKI_PREFIX.length), SM2_SPKI_PREFIX) &&
        spki[SM2_SPKI_PREFIX.length] === 0x04
    );
}

/**
 * True when `pointHex` ("04||X||Y") is a valid point on the SM2 curve, not the identity.
 * sm-crypto-v2's verifyPublicKey throws instead of returning false for most bad points.
 */
export function isSm2Point(pointHex: string): boolean {
    try {
        return sm2.verifyPublicKey(pointHex);
    } catch {
        return false;
    }
}

/** The uncompressed SM2 point "04||X||Y" as hex, the form sm-crypto-v2 takes. */
export function sm2PointHex(spki: Uint8Array): string {
    if (!isSm2Spki(spki)) {
        throw new SealpactError('UNSUPPORTED_KEY', 'not an SM2 public key');
    }
    return bytesToHex(spki.subarray(SM2_SPKI_PREFIX.length));
}

/** The order n of the SM2 base point (GM/T 0003.5). */
export const SM2_ORDER = BigInt('0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123');

/**
 * Verify an SM2 signature over a precomputed digest e = SM3(Z_A || M), Z_A being computed with
 * the default user id (lets callers hash large messages as a stream). The signature must be the
 * canonical DER SEQUENCE { INTEGER r, INTEGER s } with r, s in [1, n-1]: sm-crypto-v2's own DER
 * decoder ignores tags and trailing bytes, which would make signatures malleable.
 * Returns false for any bad signature; never throws on malformed signature bytes.
 */
export function verifySm2Digest(key: PublicKeyInfo, digest: Uint8Array, signature: Uint8Array): boolean {
    if (key.algorithm !== 'sm2' || digest.length !== 32) {
        return false;
    }
    try {
        const reader = new DerReader(signature, 'BAD_SIGNATURE', 'SM2 signature');
        const rs = reader.sequence();
        reader.end();
        const r = rs.integer();
        const s = rs.integer();
        rs.end();
        if (r < 1n || r >= SM2_ORDER || s < 1n || s >= SM2_ORDER) {
            return false;
        }
        const rsHex = r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0');
        return sm2.doVerifySignature(digest, rsHex, sm2PointHex(key.spki), { der: false, hash: false });
    } catch {
        return false;
    }
}

/** Verify an SM2 signature (SM3 with the default user id) over a whole message in memory. */
export function verifySm2Signature(key: PublicKeyInfo, message: Uint8Array, signature: Uint8Array): boolean {
    if (key.algorithm !== 'sm2') {
        return false;
    }
    const digest = hexToBytes(sm2.getHash(message, sm2PointHex(key.spki), SM2_DEFAULT_USER_ID));
    return verifySm2Digest(key, digest, signature);
}

/** The SM2 public key of an uncompressed point "04||X||Y" (hex), as a key generated in a browser has it. */
export function sm2PublicKey(pointHex: string): PublicKeyInfo {
    if (!isSm2Point(pointHex)) {
        throw new SealpactError('UNSUPPORTED_KEY', 'not a point on the SM2 curve');
    }
    const spki = new Uint8Array(SM2_SPKI_PREFIX.length + 65);
    spki.set(SM2_SPKI_PREFIX);
    spki.set(hexToBytes(pointHex), SM2_SPKI_PREFIX.length);
    return describeSpki(spki);
}

/**
 * Sign a whole message in memory with SM2 (SM3 over Z_A || M, the default user id; k from the
 * CSPRNG), as the canonical DER SEQUENCE { r, s } that verifySm2Signature and the chaincode accept.
 */
export function sm2SignMessage(scalarHex: string, key: PublicKeyInfo, message: Uint8Array): Uint8Array {
    const digest = sm2.getHash(message, sm2PointHex(key.spki), SM2_DEFAULT_USER_ID);
    return hexToBytes(sm2.doSignature(hexToBytes(digest), scalarHex, { der: true, hash: false }));
}
