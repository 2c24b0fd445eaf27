import { createCipheriv, KeyObject, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018): PBKDF2-HMAC-SHA256
 * and AES-256-CBC. Node can only write this with OpenSSL's default of 2,048 PBKDF2 iterations and
 * an 8-byte salt, too few for a passphrase an attacker can guess offline; here the count is ours.
 * Only the encoding is written here: the KDF and cipher are node:crypto's, and Node/OpenSSL read
 * the result (`openssl pkey -passin` too).
 */

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about a quarter second per key load on a server core. */
export const PBKDF2_ITERATIONS = 600_000;
const SALT_BYTES = 16;

const OID_PBES2 = '06092a864886f70d01050d'; // 1.2.840.113549.1.5.13
const OID_PBKDF2 = '06092a864886f70d01050c'; // 1.2.840.113549.1.5.12
const OID_HMAC_SHA256 = '06082a864886f70d0209'; // 1.2.840.113549.2.9
const OID_AES256_CBC = '060960864801650304012a'; // 2.16.840.1.101.3.4.1.42

/** DER tag-length-value with a definite length. */
function tlv(tag: number, content: Buffer): Buffer {
    const n = content.length;
    if (n > 0xffff) {
        throw new RangeError('DER content too long for this encoder');
    }
    const length =
        n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), length, content]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const octets = (bytes: Buffer) => tlv(0x04, bytes);
const hex = (text: string) => Buffer.from(text, 'hex');

function integer(value: number): Buffer {
    let bytes = Buffer.from(value.toString(16).padStart(8, '0'), 'hex');
    while (bytes.length > 1 && bytes.readUInt8(0) === 0 && bytes.readUInt8(1) < 0x80) {
        bytes = bytes.subarray(1);
    }
    return tlv(0x02, bytes.readUInt8(0) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** The private key as "ENCRYPTED PRIVATE KEY" PEM under `passphrase` (non-empty bytes). */
export function encryptPkcs8(key: KeyObject, passphrase: Buffer, iterations = PBKDF2_ITERATIONS): string {
    const plain = key.export({ type: 'pkcs8', format: 'der' });
    const salt = randomBytes(SALT_BYTES);
    const iv = randomBytes(16);
    const aesKey = pbkdf2Sync(passphrase, salt, iterations, 32, 'sha256');
    const cipher = createCipheriv('aes-256-cbc', aesKey, iv);
    const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
    const der = seq(
        seq(
            hex(OID_PBES2),
            seq(
                seq(hex(OID_PBKDF2), seq(octets(salt), integer(iterations), seq(hex(OID_HMAC_SHA256), hex('0500')))),
                seq(hex(OID_AES256_CBC), octets(iv)),
            ),
        ),
        octets(encrypted),
    );
    const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
    return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${body}-----END ENCRYPTED PRIVATE KEY-----\n`;
}
