import { expect } from '@jest/globals';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isSealpactError } from '@sealpact/protocol';
import { generateKeyPair, PrivateKeyInfo } from './keys';
import { MAX_SM2_PLAINTEXT, MIN_PASSWORD_BYTES, openEnvelope, sealEnvelope } from './envelope';

let keys: Record<'sm2' | 'rsa', PrivateKeyInfo>;
let others: Record<'sm2' | 'rsa', PrivateKeyInfo>;

beforeAll(() => {
    keys = { sm2: generateKeyPair('sm2'), rsa: generateKeyPair('rsa', { bits: 2048 }) };
    others = { sm2: generateKeyPair('sm2'), rsa: generateKeyPair('rsa', { bits: 2048 }) };
});

const code = (c: string) => expect.objectContaining({ code: c });
const ALGS = ['sm2', 'rsa'] as const;

describe.each(ALGS)('%s envelopes', (alg) => {
    test.each([16, 32, 100, 190])('round trip of a %i-byte password, from PEM and from a parsed key', (size) => {
        const password = randomBytes(size);
        expect(openEnvelope(keys[alg], sealEnvelope(keys[alg].publicKey.pem, password))).toEqual(password);
        expect(openEnvelope(keys[alg], sealEnvelope(keys[alg].publicKey, password))).toEqual(password);
    });

    test('repeated seals to one key (the cached SM2 window table from the second on) all open', () => {
        const fresh = alg === 'sm2' ? generateKeyPair('sm2') : keys.rsa;
        const passwords = [1, 2, 3, 4].map(() => randomBytes(32));
        const envelopes = passwords.map((password) => sealEnvelope(fresh.publicKey, password));
        envelopes.forEach((envelope, i) => expect(openEnvelope(fresh, envelope)).toEqual(passwords[i]));
    });

    test('sealing is randomised', () => {
        const password = randomBytes(32);
        expect(sealEnvelope(keys[alg].publicKey, password)).not.toEqual(sealEnvelope(keys[alg].publicKey, password));
    });

    test('the wrong private key fails as ENVELOPE_OPEN_FAILED', () => {
        const envelope = sealEnvelope(keys[alg].publicKey, randomBytes(32));
        expect(() => openEnvelope(others[alg], envelope)).toThrow(code('ENVELOPE_OPEN_FAILED'));
    });

    test('every single-byte change is detected with a typed error and no plaintext', () => {
        const password = randomBytes(32);
        const envelope = sealEnvelope(keys[alg].publicKey, password);
        for (let i = 0; i < envelope.length; i++) {
            const altered = Buffer.from(envelope);
            altered.writeUInt8(altered.readUInt8(i) ^ (1 << (i % 8)), i);
            let error: unknown;
            try {
                openEnvelope(keys[alg], altered);
            } catch (e) {
                error = e;
            }
            if (!isSealpactError(error, 'ENVELOPE_OPEN_FAILED') && !isSealpactError(error, 'BAD_ENVELOPE')) {
                throw new Error(`byte ${i}: expected a typed refusal, got ${String(error)}`);
            }
            expect((error as Error).message).not.toContain(password.toString('hex'));
        }
    });

    test('empty and short passwords are refused', () => {
        for (const size of [0, 1, MIN_PASSWORD_BYTES - 1]) {
            expect(() => sealEnvelope(keys[alg].publicKey, randomBytes(size))).toThrow(code('PASSWORD_TOO_SHORT'));
        }
    });

    test('a private key PEM as recipient is refused', () => {
        const pem = keys[alg].key.export({ type: 'pkcs8', format: 'pem' }).toString();
        expect(() => sealEnvelope(pem, randomBytes(32))).toThrow(code('PRIVATE_KEY_GIVEN'));
    });
});

describe('limits and key checks', () => {
    test('password size limits: RSA-2048 OAEP-SHA-256 holds 190 bytes, SM2 envelopes 1024', () => {
        expect(() => sealEnvelope(keys.rsa.publicKey, randomBytes(191))).toThrow(code('PASSWORD_TOO_LONG'));
        const longest = randomBytes(MAX_SM2_PLAINTEXT);
        expect(openEnvelope(keys.sm2, sealEnvelope(keys.sm2.publicKey, longest))).toEqual(longest);
        expect(() => sealEnvelope(keys.sm2.publicKey, randomBytes(MAX_SM2_PLAINTEXT + 1))).toThrow(
            code('PASSWORD_TOO_LONG'),
        );
    });

    test('weak, wrong-curve and garbage recipient keys are refused', () => {
        const pem = (k: ReturnType<typeof generateKeyPairSync>['publicKey']) =>
            k.export({ type: 'spki', format: 'pem' }).toString();
        expect(() =>
            sealEnvelope(pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), randomBytes(32)),
        ).toThrow(code('WEAK_KEY'));
        expect(() =>
            sealEnvelope(pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey), randomBytes(32)),
        ).toThrow(code('UNSUPPORTED_KEY'));
        expect(() => sealEnvelope('not a key', randomBytes(32))).toThrow(code('BAD_PEM'));
    });

    test('an envelope for the other algorithm is refused as BAD_ENVELOPE', () => {
        const password = randomBytes(32);
        expect(() => openEnvelope(keys.rsa, sealEnvelope(keys.sm2.publicKey, password))).toThrow(code('BAD_ENVELOPE'));
        expect(() => openEnvelope(keys.sm2, sealEnvelope(keys.rsa.publicKey, password))).toThrow(code('BAD_ENVELOPE'));
    });

    test('an RSA envelope of the wrong length is refused as BAD_ENVELOPE', () => {
        const envelope = sealEnvelope(keys.rsa.publicKey, randomBytes(32));
        expect(envelope.length).toBe(256);
        expect(() => openEnvelope(keys.rsa, envelope.subarray(1))).toThrow(code('BAD_ENVELOPE'));
        expect(() => openEnvelope(keys.rsa, Buffer.concat([Buffer.alloc(1), envelope]))).toThrow(code('BAD_ENVELOPE'));
    });
});
