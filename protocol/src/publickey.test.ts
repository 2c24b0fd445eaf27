import { createHash, ECDH, generateKeyPairSync, KeyObject } from 'node:crypto';
import { describeSpki, fingerprintOf, isSealpactError, parsePublicKey, sm2PointHex } from '.';
import { weakRsaPem } from './test-support/weak-keys';

// The key rule of docs/ledger.md, read from the DER without node:crypto: every key that enters
// Sealpact (RegisterKeys, sealing a file password, loading a private key) is classified here.

const spkiPem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const spkiDer = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
const sm2Key = generateKeyPairSync('ec', { namedCurve: 'SM2' }).publicKey;
const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;

/** An SM2 SPKI PEM around `point` (the BIT STRING contents), on one base64 line. */
function sm2SpkiPem(point: Buffer): string {
    const bits = Buffer.concat([Buffer.from([0x03, point.length + 1, 0]), point]);
    const body = Buffer.concat([Buffer.from('301306072a8648ce3d020106082a811ccf5501822d', 'hex'), bits]);
    const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

function refusal(pem: string): string {
    try {
        parsePublicKey(pem, 'key');
    } catch (err) {
        if (isSealpactError(err)) {
            return err.message;
        }
        throw err;
    }
    throw new Error('accepted');
}

describe('accepted keys read as Node reads them', () => {
    it.each([
        ['SM2', sm2Key, 'sm2', 256],
        ['RSA-2048', rsaKey, 'rsa', 2048],
    ])('%s: algorithm, bits, canonical PEM and fingerprint', (_name, key, algorithm, bits) => {
        const info = parsePublicKey(spkiPem(key));
        expect(info).toMatchObject({ algorithm, bits, pem: spkiPem(key) });
        expect(Buffer.from(info.spki)).toEqual(spkiDer(key));
        expect(info.fingerprint).toBe(createHash('sha256').update(spkiDer(key)).digest('hex'));
        expect(fingerprintOf(info.spki)).toBe(info.fingerprint);
    });

    it('takes base64 in lines of any length, CRLF line ends and surrounding white space', () => {
        const body = spkiDer(sm2Key).toString('base64');
        const pem = `\r\n  -----BEGIN PUBLIC KEY-----\r\n${body}\r\n-----END PUBLIC KEY-----\r\n\n`;
        expect(parsePublicKey(pem).pem).toBe(spkiPem(sm2Key));
    });

    it('gives the uncompressed SM2 point as sm-crypto-v2 takes it', () => {
        const point = spkiDer(sm2Key).subarray(-65).toString('hex');
        expect(sm2PointHex(parsePublicKey(spkiPem(sm2Key)).spki)).toBe(point);
    });

    it('describeSpki classifies the DER directly', () => {
        expect(describeSpki(spkiDer(rsaKey)).pem).toBe(spkiPem(rsaKey));
    });
});

describe('refused keys, each with the rule it breaks', () => {
    it.each([
        ['e = 3', { e: 3n }, 'WEAK_KEY: key: RSA public exponent 3 is below 65537'],
        ['an even e', { e: 65538n }, 'WEAK_KEY: key: RSA public exponent 65538 is even'],
        ['e = 2^256 + 1', { e: (1n << 256n) + 1n }, 'WEAK_KEY: key: RSA public exponent is not below 2^256'],
        ['an even modulus', { evenModulus: true }, 'WEAK_KEY: key: RSA modulus is even'],
        ['RSA-1024', { bits: 1024 }, 'WEAK_KEY: key: RSA-1024 is below 2048 bits'],
        ['RSA-16392', { bits: 16392 }, 'WEAK_KEY: key: RSA-16392 is above 16384 bits'],
    ])('RSA with %s', (_name, change, message) => {
        expect(refusal(weakRsaPem(change))).toBe(message);
    });

    it('SM2 points: at infinity, compressed, hybrid, off the curve', () => {
        const point = spkiDer(sm2Key).subarray(-65);
        const compressed = ECDH.convertKey(point, 'SM2', undefined, undefined, 'compressed') as Buffer;
        const hybrid = Buffer.concat([Buffer.from([0x06 | (point.readUInt8(64) & 1)]), point.subarray(1)]);
        const offCurve = Buffer.from(point);
        offCurve.writeUInt8(offCurve.readUInt8(64) ^ 1, 64);
        expect(refusal(sm2SpkiPem(Buffer.from([0])))).toBe(
            'BAD_PEM: key cannot be encoded as SubjectPublicKeyInfo (an EC point at infinity)',
        );
        const notUncompressed = 'BAD_PEM: key: the SM2 point is not an uncompressed point 04||X||Y';
        expect(refusal(sm2SpkiPem(compressed))).toBe(notUncompressed);
        expect(refusal(sm2SpkiPem(hybrid))).toBe(notUncompressed);
        expect(refusal(sm2SpkiPem(offCurve))).toBe('BAD_PEM: key: the SM2 point is not on the curve');
    });

    it('other curves and key types are named', () => {
        const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
        expect(refusal(spkiPem(p256))).toBe(
            'UNSUPPORTED_KEY: key is on curve prime256v1; only the SM2 curve is accepted for EC keys',
        );
        const ed25519 = generateKeyPairSync('ed25519').publicKey;
        expect(refusal(spkiPem(ed25519))).toBe(
            'UNSUPPORTED_KEY: key is of type ed25519; only SM2 and RSA keys are accepted',
        );
    });

    it('PEM text: empty, too long, private, another label, not base64, not DER, trailing text', () => {
        const pem = spkiPem(sm2Key);
        expect(refusal('')).toBe('BAD_PEM: key is empty');
        expect(refusal('x'.repeat(20000))).toBe('BAD_PEM: key is longer than 16384 characters');
        expect(refusal(pem.replace(/PUBLIC/g, 'PRIVATE'))).toBe(
            'PRIVATE_KEY_GIVEN: key: a private key was given where a public key is needed',
        );
        expect(refusal(pem.replace(/PUBLIC/g, 'RSA PUBLIC'))).toBe(
            'BAD_PEM: key is not a PEM "PUBLIC KEY" (SubjectPublicKeyInfo)',
        );
        const invalid = 'BAD_PEM: key is not a valid PEM public key';
        expect(refusal(pem.replace(/\n[A-Za-z0-9+/]{4}/, '\n!!!!'))).toBe(invalid);
        expect(refusal('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toBe(invalid);
        expect(refusal(pem + 'more')).toBe(invalid);
        // A byte slipped into the DER: its lengths no longer add up.
        const der = spkiDer(rsaKey);
        const padded = Buffer.concat([der.subarray(0, 28), Buffer.from([0]), der.subarray(28)]);
        expect(refusal(`-----BEGIN PUBLIC KEY-----\n${padded.toString('base64')}\n-----END PUBLIC KEY-----\n`)).toBe(
            invalid,
        );
    });
});
