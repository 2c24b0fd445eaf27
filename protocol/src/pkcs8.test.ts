import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { bytesToHex, readPkcs8, sm2PointHex } from '.';
import { outcomeOf } from './test-support/expect-error';

// PKCS#8 private keys as the SDK and the web app read them (docs/crypto.md, section 1).

const der = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'der' });

describe('readPkcs8', () => {
    it('names an RSA key, and gives the scalar of an SM2 key whose d·G is its public point', () => {
        expect(readPkcs8(der(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey), 'BAD_PEM')).toEqual({
            algorithm: 'rsa',
        });
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
        const parsed = readPkcs8(der(privateKey), 'BAD_PEM');
        expect(parsed.algorithm).toBe('sm2');
        const scalar = bytesToHex(parsed.algorithm === 'sm2' ? parsed.scalar : new Uint8Array());
        expect(sm2.getPublicKeyFromPrivateKey(scalar)).toBe(
            sm2PointHex(publicKey.export({ type: 'spki', format: 'der' })),
        );
    });

    it('refuses other key types with UNSUPPORTED_KEY and malformed DER with the code the caller gives', () => {
        const p256 = der(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
        const ed25519 = der(generateKeyPairSync('ed25519').privateKey);
        const sm2Der = der(generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey);
        const version1 = Buffer.from(sm2Der);
        version1.writeUInt8(1, 5); // the INTEGER 0 of PrivateKeyInfo (30 81 87 02 01 00 ...)
        expect(
            [p256, ed25519, sm2Der.subarray(0, 40), version1].map((bytes) =>
                outcomeOf(() => readPkcs8(bytes, 'BAD_PASSPHRASE')),
            ),
        ).toEqual([
            { code: 'UNSUPPORTED_KEY' },
            { code: 'UNSUPPORTED_KEY' },
            { code: 'BAD_PASSPHRASE' },
            { code: 'BAD_PASSPHRASE' },
        ]);
    });
});
