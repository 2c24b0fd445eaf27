import { expect } from '@jest/globals';
import { constants, randomBytes, sign } from 'node:crypto';
import { Readable } from 'node:stream';
import { sm2 } from 'sm-crypto-v2';
import { SM2_DEFAULT_USER_ID, sm2PointHex } from '@sealpact/protocol';
import { generateKeyPair, PrivateKeyInfo, sm2PrivateScalarHex } from './keys';
import { createSigner, createVerifier, signDetached, signStream, verifyDetached, verifyStream } from './signature';

let keys: Record<'sm2' | 'rsa', PrivateKeyInfo>;
let others: Record<'sm2' | 'rsa', PrivateKeyInfo>;

beforeAll(() => {
    keys = { sm2: generateKeyPair('sm2'), rsa: generateKeyPair('rsa', { bits: 2048 }) };
    others = { sm2: generateKeyPair('sm2'), rsa: generateKeyPair('rsa', { bits: 2048 }) };
});

const message = Buffer.from('Sealpact contract v1: both parties agree.');
/** `total` bytes of a repeating pattern, delivered in uneven chunks. */
function* chunks(total: number): Generator<Buffer> {
    for (let sent = 0, i = 0; sent < total; i++) {
        const n = Math.min(total - sent, 65536 + ((i * 7919) % 4096));
        yield Buffer.alloc(n, i & 0xff);
        sent += n;
    }
}

describe.each(['sm2', 'rsa'] as const)('%s signatures', (alg) => {
    test('sign and verify, from PEM and from a parsed key', () => {
        const signature = signDetached(keys[alg], message);
        expect(verifyDetached(keys[alg].publicKey.pem, message, signature)).toBe(true);
        expect(verifyDetached(keys[alg].publicKey, message, signature)).toBe(true);
    });

    test('a different message, key or bit is rejected with false', () => {
        const signature = signDetached(keys[alg], message);
        expect(verifyDetached(keys[alg].publicKey, Buffer.concat([message, Buffer.from('!')]), signature)).toBe(false);
        expect(verifyDetached(others[alg].publicKey, message, signature)).toBe(false);
        for (const i of [0, 5, signature.length - 1]) {
            const altered = Buffer.from(signature);
            altered.writeUInt8(altered.readUInt8(i) ^ 0x10, i);
            expect(verifyDetached(keys[alg].publicKey, message, altered)).toBe(false);
            expect(createVerifier(keys[alg].publicKey).update(message).verify(altered)).toBe(false);
        }
    });

    test('malformed signature bytes give false, never an exception', () => {
        for (const bad of [Buffer.alloc(0), Buffer.alloc(1), randomBytes(71), randomBytes(256), randomBytes(1000)]) {
            expect(verifyDetached(keys[alg].publicKey, message, bad)).toBe(false);
            expect(createVerifier(keys[alg].publicKey).update(message).verify(bad)).toBe(false);
        }
    });

    test('streaming sign/verify of a 12 MB input equals the one-shot functions', async () => {
        const whole = Buffer.concat([...chunks(12 << 20)]);
        const streamed = await signStream(keys[alg], Readable.from(chunks(12 << 20)));
        expect(verifyDetached(keys[alg].publicKey, whole, streamed)).toBe(true);
        const oneShot = signDetached(keys[alg], whole);
        expect(await verifyStream(keys[alg].publicKey, Readable.from(chunks(12 << 20)), oneShot)).toBe(true);
        expect(await verifyStream(keys[alg].publicKey.pem, Readable.from(chunks(12 << 20)), oneShot)).toBe(true);
        expect(await verifyStream(keys[alg].publicKey, Readable.from(chunks((12 << 20) - 1)), oneShot)).toBe(false);
    });

    test('a private key PEM given for verification is refused', () => {
        const pem = keys[alg].key.export({ type: 'pkcs8', format: 'pem' }).toString();
        expect(() => verifyDetached(pem, message, Buffer.alloc(64))).toThrow(
            expect.objectContaining({ code: 'PRIVATE_KEY_GIVEN' }),
        );
    });
});

describe('SM2 specifics', () => {
    const options = { der: true, hash: true, userId: SM2_DEFAULT_USER_ID };

    test("the digest path agrees with sm-crypto-v2's own hash:true path in both directions", () => {
        const point = sm2PointHex(keys.sm2.publicKey.spki);
        const theirs = Buffer.from(
            sm2.doSignature(message, sm2PrivateScalarHex(keys.sm2), { ...options, publicKey: point }),
            'hex',
        );
        expect(createVerifier(keys.sm2.publicKey).update(message).verify(theirs)).toBe(true);
        const ours = signDetached(keys.sm2, message).toString('hex');
        expect(sm2.doVerifySignature(message, ours, point, options)).toBe(true);
    });

    test('only the canonical DER form verifies (sm-crypto-v2 alone would accept the others)', () => {
        let signature: Buffer;
        do {
            signature = signDetached(keys.sm2, message); // until r is 32 bytes with its top bit clear
        } while (signature.readUInt8(3) !== 0x20 || signature.readUInt8(4) >= 0x80);
        const point = sm2PointHex(keys.sm2.publicKey.spki);
        const forms = {
            trailing: Buffer.concat([signature, Buffer.from([0])]),
            setTag: Buffer.concat([Buffer.from([0x31]), signature.subarray(1)]),
            paddedR: Buffer.concat([
                Buffer.from([0x30, signature.readUInt8(1) + 1, 0x02, 0x21, 0x00]),
                signature.subarray(4),
            ]),
        };
        for (const [name, form] of Object.entries(forms)) {
            expect([name, verifyDetached(keys.sm2.publicKey, message, form)]).toEqual([name, false]);
        }
        expect(sm2.doVerifySignature(message, forms.trailing.toString('hex'), point, options)).toBe(true);
        expect(sm2.doVerifySignature(message, forms.setTag.toString('hex'), point, options)).toBe(true);
    });

    test('signatures are randomised (k from the CSPRNG)', () => {
        expect(signDetached(keys.sm2, message)).not.toEqual(signDetached(keys.sm2, message));
    });
});

describe('RSA-PSS specifics', () => {
    test('the salt is exactly 32 bytes; other salt lengths and PKCS#1 v1.5 are rejected', () => {
        const pss = (saltLength: number) =>
            sign('sha256', message, { key: keys.rsa.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
        expect(verifyDetached(keys.rsa.publicKey, message, pss(32))).toBe(true);
        expect(verifyDetached(keys.rsa.publicKey, message, pss(20))).toBe(false);
        expect(verifyDetached(keys.rsa.publicKey, message, pss(64))).toBe(false);
        expect(verifyDetached(keys.rsa.publicKey, message, sign('sha256', message, keys.rsa.key))).toBe(false);
        expect(createVerifier(keys.rsa.publicKey).update(message).verify(pss(20))).toBe(false);
    });

    test('a signature is one modulus-sized block', () => {
        expect(createSigner(keys.rsa).update(message).sign()).toHaveLength(256);
    });
});
