import { expect } from '@jest/globals';
import { generateKeyPairSync, verify } from 'node:crypto';
import { hash as hashes } from '@hyperledger/fabric-gateway';
import { DerReader } from '@sealpact/protocol';
import { gatewaySigning } from './gateway-signer';

/** The S of a DER ECDSA signature, which must be strict DER (SEQUENCE of two INTEGERs, nothing after). */
function sOf(signature: Uint8Array): bigint {
    const outer = new DerReader(signature, 'BAD_SIGNATURE', 'the signature');
    const sequence = outer.sequence();
    sequence.integer();
    const s = sequence.integer();
    sequence.end();
    outer.end();
    return s;
}

describe('gatewaySigning', () => {
    it.each([
        ['P-256', 'prime256v1', 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n],
        [
            'P-384',
            'secp384r1',
            0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
        ],
    ])('signs the whole message with SHA-256 on %s, always with a low S', async (_name, namedCurve, order) => {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
        const { signer, hash } = gatewaySigning(privateKey.export({ type: 'pkcs8', format: 'pem' }));
        expect(hash).toBe(hashes.none);
        // A high S comes about half the time: 32 signatures without one would be chance 2^-32.
        for (let i = 0; i < 32; i++) {
            const message = Buffer.from(`proposal ${i}`);
            const signature = await signer(hash(message));
            expect(verify('sha256', message, publicKey, signature)).toBe(true);
            expect(sOf(signature) <= order / 2n).toBe(true);
        }
    });

    it("keeps fabric-gateway's signer and SHA-256 digest for a key that is not on those curves", () => {
        const { privateKey } = generateKeyPairSync('ed25519');
        expect(gatewaySigning(privateKey.export({ type: 'pkcs8', format: 'pem' })).hash).toBe(hashes.sha256);
    });
});
