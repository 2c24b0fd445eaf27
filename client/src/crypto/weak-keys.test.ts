import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { weakRsaPem } from '../../../protocol/src/test-support/weak-keys';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import { sealEnvelope } from './envelope';
import { loadPrivateKey } from './keys';

/**
 * The key rule of docs/ledger.md holds in the client as on the ledger (both go through
 * describePublicKey): no file password is ever sealed to, and no private key loaded for, an RSA
 * key with a useless exponent or modulus. With e = 1 an envelope would be the password in the clear.
 */
describe('RSA keys that break the key rule', () => {
    const password = randomBytes(32);

    it.each([
        ['e = 1', { e: 1n }, 'RSA public exponent 1 is below 65537'],
        ['e = 3', { e: 3n }, 'RSA public exponent 3 is below 65537'],
        ['an even e', { e: 65538n }, 'RSA public exponent 65538 is even'],
        ['an even modulus', { evenModulus: true }, 'RSA modulus is even'],
        ['RSA-16392', { bits: 16392 }, 'RSA-16392 is above 16384 bits'],
    ])('are refused as recipients before sealing: %s', (_name, change, rule) => {
        expectError(() => sealEnvelope(weakRsaPem(change), password), 'WEAK_KEY', `recipient public key: ${rule}`);
    });

    it('are refused on load: an RSA private key with e = 3', () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
        const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        expectError(() => loadPrivateKey(pem), 'WEAK_KEY', 'private key: RSA public exponent 3 is below 65537');
    });
});
