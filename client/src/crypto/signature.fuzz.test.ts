/**
 * Fuzz suite: signature parsing and verification (docs/crypto.md, section 3): verifyDetached and
 * the strict SM2 signature check both sides share, verifySm2Digest of @sealpact/protocol. Seeds are real SM2 and RSA-PSS signatures; a mutated
 * signature, or a valid one over a mutated message, never verifies, and nothing ever throws.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { sm2 } from 'sm-crypto-v2';
import { PublicKeyInfo, SM2_DEFAULT_USER_ID, sm2PointHex, verifySm2Digest } from '@sealpact/protocol';
import { bitFlipsOf, FUZZ_TIMEOUT_MS, fuzz, mutationsOf } from '../../../chaincode/src/test-support/fuzz';
import { generateKeyPair } from './keys';
import { signDetached, verifyDetached } from './signature';

jest.setTimeout(FUZZ_TIMEOUT_MS);

const ALGORITHMS = ['sm2', 'rsa'] as const;
const message = randomBytes(200);
const keys = {} as Record<(typeof ALGORITHMS)[number], PublicKeyInfo>;
const signatures = {} as Record<(typeof ALGORITHMS)[number], Buffer>;

beforeAll(() => {
    for (const alg of ALGORITHMS) {
        const key = generateKeyPair(alg, { bits: 2048 });
        keys[alg] = key.publicKey;
        signatures[alg] = signDetached(key, message);
    }
});

/** e = SM3(Z_A || M), the digest verifySm2Digest takes. */
const sm2Digest = (key: PublicKeyInfo, m: Uint8Array) =>
    createHash('sm3')
        .update(sm2.getZ(sm2PointHex(key.spki), SM2_DEFAULT_USER_ID))
        .update(m)
        .digest();

describe.each(ALGORITHMS)('%s signatures', (alg) => {
    test('the seed verifies (control)', () => {
        expect(verifyDetached(keys[alg], message, signatures[alg])).toBe(true);
    });

    test('a mutated signature never verifies', () => {
        const mutated = fc.oneof(mutationsOf(signatures[alg]), bitFlipsOf(signatures[alg]));
        fuzz(
            fc.property(mutated, (signature) => {
                expect(verifyDetached(keys[alg], message, signature)).toBe(false);
                // SM2 only: nor does the signature verify over the digest.
                expect(alg === 'sm2' && verifySm2Digest(keys.sm2, sm2Digest(keys.sm2, message), signature)).toBe(false);
            }),
            150,
        );
    });

    test('the signature never verifies over a mutated message', () => {
        fuzz(
            fc.property(mutationsOf(message), (other) => {
                expect(verifyDetached(keys[alg], other, signatures[alg])).toBe(false);
            }),
            100,
        );
    });

    test('arbitrary bytes are a false signature, never an exception', () => {
        fuzz(
            fc.property(fc.uint8Array({ maxLength: 600 }), (signature) => {
                expect(verifyDetached(keys[alg], message, signature)).toBe(false);
            }),
            200,
        );
    });
});
