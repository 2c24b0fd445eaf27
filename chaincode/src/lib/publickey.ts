import { createHash, createPublicKey, KeyObject, constants, verify } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { DerReader } from './der';
import { SealpactError } from './errors';

/**
 * Public keys as Sealpact accepts them, as PEM SubjectPublicKeyInfo: SM2 (a point on the GM/T 0003
 * curve) or RSA with an odd modulus of 2048 to 16384 bits and an odd public exponent
 * 65537 <= e < 2^256 (FIPS 186-5, A.1.1). Shared by the chaincode (which validates registrations and
 * verifies contract signatures) and the client (which seals file passwords).
 */
export type KeyAlgorithm = 'sm2' | 'rsa';

export interface PublicKeyInfo {
    algorithm: KeyAlgorithm;
    /** Canonical PEM re-encoded from the DER, so the same key always has the same text. */
    pem: string;
    /** SubjectPublicKeyInfo DER. */
    spki: Buffer;
    /** Hex SHA-256 of the SPKI DER. */
    fingerprint: string;
    /** Modulus size for RSA, 256 for SM2. */
    bits: number;
}

export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 16384;
// With e = 1 an envelope is the password in the clear and anyone can forge a PSS "signature";
// small exponents are what FIPS 186-5 rules out.
const MIN_RSA_EXPONENT = 65537n;
const RSA_EXPONENT_LIMIT = 1n << 256n;
/** The default SM2 signer id of GM/T 0009 and GB/T 35276. */
export const SM2_DEFAULT_USER_ID = '1234567812345678';
const MAX_PEM_LENGTH = 16 * 1024;

// An SM2 SPKI is this fixed prefix (id-ecPublicKey, curve 1.2.156.10197.1.301, BIT STRING)
// followed by the 65-byte uncompressed point 04||X||Y.
const SM2_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex');
// Its AlgorithmIdentifier, at offset 2 of any SM2 SPKI whatever the point's encoding.
const SM2_ALGORITHM = SM2_SPKI_PREFIX.subarray(2, 23);

export function fingerprintOf(spki: Buffer): string {
    return createHash('sha256').update(spki).digest('hex');
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
    let key: KeyObject;
    try {
        key = createPublicKey({ key: pem, format: 'pem' });
    } catch {
        throw new SealpactError('BAD_PEM', `${what} is not a valid PEM public key`);
    }
    return describePublicKey(key, what);
}

/**
 * Classify a public KeyObject (from PEM or derived from a private key): every key entering
 * Sealpact, on the ledger or in the client, passes here. Throws WEAK_KEY naming the RSA rule
 * broken, BAD_PEM for an SM2 point off the curve, UNSUPPORTED_KEY for anything else.
 */
export function describePublicKey(key: KeyObject, what = 'public key'): PublicKeyInfo {
    let spki: Buffer;
    try {
        spki = key.export({ type: 'spki', format: 'der' });
    } catch {
        // OpenSSL parses an EC point at infinity but cannot write it back.
        throw new SealpactError(
            'BAD_PEM',
            `${what} cannot be encoded as SubjectPublicKeyInfo (an EC point at infinity)`,
        );
    }
    const pem = key.export({ type: 'spki', format: 'pem' }).toString();
    const fingerprint = fingerprintOf(spki);
    if (key.asymmetricKeyType === 'rsa') {
        return { algorithm: 'rsa', pem, spki, fingerprint, bits: checkRsaKey(key, what) };
    }
    // OpenSSL reports keys read from SM2 PEM files as type "sm2" (Node: undefined), and keys
    // it generated on the SM2 curve as "ec" with namedCurve SM2; both have the same SPKI.
    if (spki.subarray(2, 2 + SM2_ALGORITHM.length).equals(SM2_ALGORITHM)) {
        checkSm2Point(spki, what);
        return { algorithm: 'sm2', pem, spki, fingerprint, bits: 256 };
    }
    if (key.asymmetricKeyType === 'ec') {
        const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
        throw new SealpactError(
            'UNSUPPORTED_KEY',
            `${what} is on curve ${curve}; only the SM2 curve is accepted for EC keys`,
        );
    }
    throw new SealpactError(
        'UNSUPPORTED_KEY',
        `${what} is of type ${key.asymmetricKeyType ?? 'unknown'}; only SM2 and RSA keys are accepted`,
    );
}

/** The modulus size of an RSA key that keeps every rule; throws WEAK_KEY naming the rule broken. */
function checkRsaKey(key: KeyObject, what: string): number {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    const e = key.asymmetricKeyDetails?.publicExponent ?? 0n;
    const modulus = Buffer.from(key.export({ format: 'jwk' }).n ?? '', 'base64url');
    // Each rule with the message naming it, in the order they are checked.
    const rules: [kept: boolean, broken: string][] = [
        [bits >= MIN_RSA_BITS, `RSA-${bits} is below ${MIN_RSA_BITS} bits`],
        [bits <= MAX_RSA_BITS, `RSA-${bits} is above ${MAX_RSA_BITS} bits`],
        [(modulus.at(-1) ?? 0) % 2 === 1, 'RSA modulus is even'],
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
 * so one fingerprint (the point at infinity cannot be encoded, see describePublicKey).
 */
function checkSm2Point(spki: Buffer, what: string): void {
    if (!isSm2Spki(spki)) {
        throw new SealpactError('BAD_PEM', `${what}: the SM2 point is not an uncompressed point 04||X||Y`);
    }
    if (!isSm2Point(sm2PointHex(spki))) {
        throw new SealpactError('BAD_PEM', `${what}: the SM2 point is not on the curve`);
    }
}

function isSm2Spki(spki: Buffer): boolean {
    return (
        spki.length === SM2_SPKI_PREFIX.length + 65 &&
        spki.subarray(0, SM2_SPKI_PREFIX.length).equals(SM2_SPKI_PREFIX) &&
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
export function sm2PointHex(spki: Buffer): string {
    if (!isSm2Spki(spki)) {
        throw new SealpactError('UNSUPPORTED_KEY', 'not an SM2 public key');
    }
    return spki.subarray(SM2_SPKI_PREFIX.length).toString('hex');
}

/**
 * Verify a detached signature over `message`: SM2 with SM3 and the default user id
 * (DER r,s as in GM/T 0009), or RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
 * Returns false for any bad signature; never throws on malformed signature bytes.
 */
export function verifySignature(key: PublicKeyInfo, message: Uint8Array, signature: Uint8Array): boolean {
    if (key.algorithm === 'sm2') {
        const digest = Buffer.from(sm2.getHash(message, sm2PointHex(key.spki), SM2_DEFAULT_USER_ID), 'hex');
        return verifySm2Digest(key, digest, signature);
    }
    try {
        return verify(
            'sha256',
            message,
            { key: key.pem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH },
            signature,
        );
    } catch {
        return false;
    }
}

/** The order n of the SM2 base point (GM/T 0003.5). */
const SM2_ORDER = BigInt('0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123');

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
        const reader = new DerReader(Buffer.from(signature), 'BAD_SIGNATURE', 'SM2 signature');
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

/** RSA-PSS salt length: the SHA-256 digest length, as `openssl ... -sigopt rsa_pss_saltlen:digest`. */
export const RSA_PSS_SALT_LENGTH = 32;
