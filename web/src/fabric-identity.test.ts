import { generateKeyPairSync, verify } from 'node:crypto';
import { DerReader } from '@sealpact/protocol';
import { expectRejection } from '../../protocol/src/test-support/expect-error';
import { fabricIdentity } from './fabric-identity';

// Fabric accepts only low-S DER ECDSA; WebCrypto gives raw r‖s with either S.

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n';

describe('a Fabric identity in the browser', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

    it('signs with low S, in DER that OpenSSL verifies', async () => {
        const identity = await fabricIdentity('Org1MSP', CERTIFICATE, pem);
        // Half of raw WebCrypto signatures have a high S: 40 make a miss of normalisation certain enough.
        for (let i = 0; i < 40; i++) {
            const message = new TextEncoder().encode(`proposal ${i}`);
            const signature = await identity.sign(message);
            expect(verify('sha256', message, publicKey, signature)).toBe(true);
            const rs = new DerReader(signature, 'BAD_SIGNATURE', 'ECDSA signature').sequence();
            rs.integer();
            expect(rs.integer() <= P256_ORDER / 2n).toBe(true);
        }
    });

    it('refuses a key that is not P-256 PKCS#8', async () => {
        const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
            type: 'pkcs8',
            format: 'pem',
        });
        await expectRejection(fabricIdentity('Org1MSP', CERTIFICATE, rsa.toString()), 'BAD_IDENTITY', 'not a P-256');
        await expectRejection(fabricIdentity('Org1MSP', 'no certificate', pem), 'BAD_IDENTITY', 'PEM certificate');
    });
});
