/**
 * Fuzz suite: envelope opening (docs/crypto.md, section 2). Seeds are real SM2 and RSA envelopes;
 * a mutated envelope must never open (each has exactly one accepted encoding), and arbitrary or
 * structured junk is refused as BAD_ENVELOPE or ENVELOPE_OPEN_FAILED.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { sm2 } from 'sm-crypto-v2';
import { attempt, FUZZ_TIMEOUT_MS, fuzz, mutationsOf, REFUSED } from '../../../chaincode/src/test-support/fuzz';
import { openEnvelope, sealEnvelope } from './envelope';
import { generateKeyPair, PrivateKeyInfo } from './keys';

jest.setTimeout(FUZZ_TIMEOUT_MS);

const OPEN_CODES = ['BAD_ENVELOPE', 'ENVELOPE_OPEN_FAILED'] as const;
const ALGORITHMS = ['sm2', 'rsa'] as const;

const keys = {} as Record<(typeof ALGORITHMS)[number], PrivateKeyInfo>;
const seeds = {} as Record<(typeof ALGORITHMS)[number], Buffer[]>;

beforeAll(() => {
    for (const alg of ALGORITHMS) {
        keys[alg] = generateKeyPair(alg, { bits: 2048 });
        seeds[alg] = [16, 32, 100].map((size) => sealEnvelope(keys[alg].publicKey, randomBytes(size)));
    }
});

describe.each(ALGORITHMS)('%s envelopes', (alg) => {
    test('a mutated envelope never opens', () => {
        const mutated = fc.constantFrom(...seeds[alg]).chain((seed) => mutationsOf(seed));
        fuzz(
            fc.property(mutated, (envelope) => {
                expect(attempt(() => openEnvelope(keys[alg], envelope), OPEN_CODES)).toBe(REFUSED);
            }),
            500,
        );
    });

    test('arbitrary bytes never open', () => {
        fuzz(
            fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
                expect(attempt(() => openEnvelope(keys[alg], bytes), OPEN_CODES)).toBe(REFUSED);
            }),
            300,
        );
    });
});

/** DER TLV with a definite length of up to two bytes. */
function tlv(tag: number, contents: Buffer): Buffer {
    const n = contents.length;
    const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
    return Buffer.concat([Buffer.from([tag, ...length]), contents]);
}

/** Minimal DER INTEGER of a non-negative value. */
function derInteger(value: bigint): Buffer {
    let hex = value.toString(16);
    hex = hex.length % 2 ? `0${hex}` : hex;
    return tlv(0x02, Buffer.from(parseInt(hex.charAt(0), 16) >= 8 ? `00${hex}` : hex, 'hex'));
}

test('well-formed SM2 ciphertexts with random fields never open', () => {
    // Past the DER checks, into the curve check and the decryption: C1 is a random point on the
    // curve (from a random k) or a random pair of integers, C3 and C2 are random.
    const scalar = fc.bigInt({ min: 1n, max: 2n ** 255n });
    const onCurve = scalar.map((k) => {
        const point = sm2.getPublicKeyFromPrivateKey(k.toString(16).padStart(64, '0'));
        return [BigInt(`0x${point.slice(2, 66)}`), BigInt(`0x${point.slice(66)}`)] as const;
    });
    const anyPair = fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 257n }), fc.bigInt({ min: 0n, max: 2n ** 257n }));
    const c3 = fc.oneof(
        { arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }), weight: 4 },
        { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 1 },
    );
    fuzz(
        fc.property(
            fc.oneof(onCurve, anyPair),
            c3,
            fc.uint8Array({ minLength: 1, maxLength: 300 }),
            ([x, y], hash, cipher) => {
                const envelope = tlv(
                    0x30,
                    Buffer.concat([
                        derInteger(x),
                        derInteger(y),
                        tlv(0x04, Buffer.from(hash)),
                        tlv(0x04, Buffer.from(cipher)),
                    ]),
                );
                expect(attempt(() => openEnvelope(keys.sm2, envelope), OPEN_CODES)).toBe(REFUSED);
            },
        ),
        200,
    );
});
