import { createPublicKey } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { sm2PublicKey, sm2SignMessage, verifySm2Signature } from '.';
import { expectError } from './test-support/expect-error';

// The SM2 helpers a browser uses to make and use keys of its own: the public key must be the SPKI
// OpenSSL reads, and the signature the one the chaincode's verifySm2Signature accepts.

const message = new TextEncoder().encode('sealpact-key-registration/v1\nexample\n');

describe('SM2 keys made without node:crypto', () => {
    const pair = sm2.generateKeyPairHex();
    const key = sm2PublicKey(pair.publicKey);

    it('give the SPKI OpenSSL reads, with the point generated', () => {
        const der = createPublicKey(key.pem).export({ type: 'spki', format: 'der' });
        expect(Buffer.from(key.spki).equals(der)).toBe(true);
        expect(key.algorithm).toBe('sm2');
        expect(Buffer.from(key.spki).subarray(-65).toString('hex')).toBe(pair.publicKey);
    });

    it('sign what verifySm2Signature verifies, and nothing else', () => {
        const signature = sm2SignMessage(pair.privateKey, key, message);
        expect(verifySm2Signature(key, message, signature)).toBe(true);
        const other = Uint8Array.from(message, (byte, i) => (i === 0 ? byte ^ 1 : byte));
        expect(verifySm2Signature(key, other, signature)).toBe(false);
    });

    it('refuse a point off the curve', () => {
        const offCurve = `04${'00'.repeat(31)}01${'00'.repeat(31)}02`;
        expectError(() => sm2PublicKey(offCurve), 'UNSUPPORTED_KEY', 'not a point on the SM2 curve');
    });
});
