import { expect } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { DerReader, isSm2Point, parsePublicKey } from '@sealpact/protocol';
import { loadPrivateKey } from './keys';
import { openEnvelope, sealEnvelope } from './envelope';
import { signDetached, verifyDetached } from './signature';
import { gmVectors } from '../test-support/gm-vectors';

// SM2/SM3 specifics: known answers from GB/T 32905 (SM3) and GB/T 32918.5 / GM/T 0003.5 (SM2),
// fixed-k reproduction, and the GM/T 0009 DER edge cases of the envelope. A missing vector file
// must fail the suite, never skip it: gmVectors throws.
const vectors = gmVectors();
const enc = vectors.sm2_encryption;
const sig = vectors.sm2_signature;

/** DER TLV with a short or one-byte long length; enough for the structures below. */
function tlv(tag: string, hex: string): string {
    const n = hex.length / 2;
    return tag + (n < 0x80 ? '' : '81') + n.toString(16).padStart(2, '0') + hex;
}
/** Minimal DER INTEGER of a non-negative value given as (possibly zero-padded) hex. */
function derInt(hex: string): string {
    const minimal = BigInt(`0x${hex}`).toString(16);
    const even = minimal.length % 2 ? `0${minimal}` : minimal;
    return tlv('02', parseInt(even.charAt(0), 16) >= 8 ? `00${even}` : even);
}
const hexOf = (n: bigint) => n.toString(16).padStart(64, '0');
/** The prime p of the SM2 field (GM/T 0003.5). */
const SM2_P = BigInt('0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff');
/** A GM/T 0009 ciphertext from its four fields. */
const sm2Der = (x: string, y: string, c3: string, c2: string) =>
    Buffer.from(tlv('30', derInt(x) + derInt(y) + tlv('04', c3) + tlv('04', c2)), 'hex');
const code = (c: string) => expect.objectContaining({ code: c });

/** The standard key pair as a loaded Sealpact private key (PKCS#8 built around the known d). */
function standardKey() {
    const pkcs8 = tlv(
        '30',
        '020100' +
            tlv('30', '06072a8648ce3d020106082a811ccf5501822d') +
            tlv(
                '04',
                tlv(
                    '30',
                    '020101' + tlv('04', enc.private_key) + tlv('a1', tlv('03', `00${enc.public_key_uncompressed}`)),
                ),
            ),
    );
    const pem = createPrivateKey({ key: Buffer.from(pkcs8, 'hex'), format: 'der', type: 'pkcs8' })
        .export({ type: 'pkcs8', format: 'pem' })
        .toString();
    return loadPrivateKey(pem);
}

/**
 * Make the next CSPRNG draw of sm-crypto-v2 produce the scalar k: @noble/curves maps 48 random
 * bytes b to (b mod (n-1)) + 1, so b = k - 1 yields k. Only for reproducing fixed-k vectors.
 */
function nextScalarIs(kHex: string): jest.SpyInstance {
    const b = Buffer.from((BigInt(`0x${kHex}`) - 1n).toString(16).padStart(96, '0'), 'hex');
    return jest
        .spyOn(globalThis.crypto, 'getRandomValues')
        .mockImplementationOnce(<T extends ArrayBufferView | null>(array: T): T => {
            if (array === null) {
                throw new Error('getRandomValues(null)');
            }
            Buffer.from(array.buffer, array.byteOffset, array.byteLength).set(b);
            return array;
        });
}

afterEach(() => jest.restoreAllMocks());

describe('SM3 (GB/T 32905)', () => {
    test.each(vectors.sm3)('$message_ascii', (v) => {
        expect(createHash('sm3').update(v.message_ascii, 'ascii').digest('hex')).toBe(v.digest);
    });
});

describe('SM2 encryption (GM/T 0003.5 example, fixed k)', () => {
    const standardDer = sm2Der(enc.c1_x, enc.c1_y, enc.c3, enc.c2);

    test('the standard key loads and its scalar yields the standard public point', () => {
        const key = standardKey();
        expect(key.algorithm).toBe('sm2');
        expect(Buffer.from(key.publicKey.spki.subarray(-65)).toString('hex')).toBe(enc.public_key_uncompressed);
    });

    test('openEnvelope opens the standard ciphertext', () => {
        expect(openEnvelope(standardKey(), standardDer).toString('ascii')).toBe(enc.message_ascii);
    });

    test('sealEnvelope with the standard k reproduces the standard ciphertext byte for byte', () => {
        const key = standardKey();
        const spy = nextScalarIs(enc.k);
        expect(sealEnvelope(key.publicKey, Buffer.from(enc.message_ascii, 'ascii')).toString('hex')).toBe(
            standardDer.toString('hex'),
        );
        expect(spy).toHaveBeenCalledTimes(1);
    });
});

describe('SM2 signature (GM/T 0003.5 example, fixed k, user id 1234567812345678)', () => {
    const standardSig = Buffer.from(tlv('30', derInt(sig.r) + derInt(sig.s)), 'hex');
    const message = Buffer.from(sig.message_ascii, 'ascii');

    test('the vector uses the same key and the default user id', () => {
        expect(sig.private_key).toBe(enc.private_key);
        expect(sig.user_id_ascii).toBe('1234567812345678');
    });

    test('verifyDetached accepts the standard signature and rejects it on another message', () => {
        const pub = parsePublicKey(standardKey().publicKey.pem);
        expect(verifyDetached(pub, message, standardSig)).toBe(true);
        expect(verifyDetached(pub, Buffer.from('message digesT'), standardSig)).toBe(false);
    });

    test('signDetached with the standard k reproduces r and s', () => {
        const spy = nextScalarIs(sig.k);
        expect(signDetached(standardKey(), message).toString('hex')).toBe(standardSig.toString('hex'));
        expect(spy).toHaveBeenCalledTimes(1);
    });

    test("node's streaming SM3 over Z_A || M equals sm-crypto-v2's e", () => {
        const point = enc.public_key_uncompressed;
        const e = createHash('sm3').update(sm2.getZ(point, sig.user_id_ascii)).update(message).digest('hex');
        expect(e).toBe(sm2.getHash(message, point, sig.user_id_ascii));
    });
});

describe('GM/T 0009 DER envelope: strict decoding', () => {
    const x = enc.c1_x;
    const y = enc.c1_y;
    const open = (der: Buffer | string) =>
        openEnvelope(standardKey(), typeof der === 'string' ? Buffer.from(der, 'hex') : der);
    const body = derInt(x) + derInt(y) + tlv('04', enc.c3) + tlv('04', enc.c2);

    const yNoZero = derInt(y).replace('022100', '0220'); // y's top bit is set: without 00 it is negative
    test.each([
        ['C1 off the curve', () => sm2Der(x, hexOf(BigInt(`0x${y}`) + 1n), enc.c3, enc.c2)],
        ['C1 the identity (0, 0)', () => sm2Der('00', '00', enc.c3, enc.c2)],
        ['C1 x + p (not reduced)', () => sm2Der((BigInt(`0x${x}`) + SM2_P).toString(16), y, enc.c3, enc.c2)],
        ['C3 of 31 bytes', () => sm2Der(x, y, enc.c3.slice(2), enc.c2)],
        [
            'an INTEGER with a superfluous leading zero',
            () => '30' + (body.length / 2 + 1).toString(16) + '022100' + body.slice(4),
        ],
        ['a long-form length where the short form fits', () => '3081' + (body.length / 2).toString(16) + body],
        ['a trailing byte', () => sm2Der(x, y, enc.c3, enc.c2).toString('hex') + '00'],
        ['a truncated envelope', () => sm2Der(x, y, enc.c3, enc.c2).subarray(0, 50)],
        ['a SET instead of a SEQUENCE', () => '31' + sm2Der(x, y, enc.c3, enc.c2).toString('hex').slice(2)],
        ['an empty input', () => Buffer.alloc(0)],
        ['a two-byte length with a leading zero', () => '308200' + (body.length / 2).toString(16) + body],
        ['an indefinite length', () => '3080' + body + '0000'],
        ['a long-form length inside (on x)', () => tlv('30', '028120' + body.slice(4))],
        [
            'a negative INTEGER (y without its 00)',
            () => tlv('30', derInt(x) + yNoZero + body.slice(derInt(x).length + derInt(y).length)),
        ],
        ['an empty INTEGER', () => tlv('30', '0200' + derInt(y) + tlv('04', enc.c3) + tlv('04', enc.c2))],
        ['C3 as an INTEGER', () => tlv('30', derInt(x) + derInt(y) + tlv('02', enc.c3) + tlv('04', enc.c2))],
        [
            'C2 as a constructed OCTET STRING',
            () => tlv('30', derInt(x) + derInt(y) + tlv('04', enc.c3) + tlv('24', tlv('04', enc.c2))),
        ],
        ['C3 and C2 swapped (C1 C2 C3 order)', () => sm2Der(x, y, enc.c2, enc.c3)],
        ['x as an OCTET STRING', () => tlv('30', tlv('04', x) + derInt(y) + tlv('04', enc.c3) + tlv('04', enc.c2))],
        ['a fifth field', () => tlv('30', body + tlv('04', '00'))],
        ['an empty C2', () => sm2Der(x, y, enc.c3, '')],
        ['x1 of 257 bits', () => sm2Der(`1${x}`, y, enc.c3, enc.c2)],
    ])('refuses %s as BAD_ENVELOPE', (_name, make) => {
        expect(() => open(make())).toThrow(code('BAD_ENVELOPE'));
    });

    test('the standard ciphertext with one bit of C3 or C2 flipped fails as ENVELOPE_OPEN_FAILED', () => {
        const c3 = Buffer.from(enc.c3, 'hex');
        c3.writeUInt8(c3.readUInt8(0) ^ 1, 0);
        expect(() => open(sm2Der(x, y, c3.toString('hex'), enc.c2))).toThrow(code('ENVELOPE_OPEN_FAILED'));
        const c2 = Buffer.from(enc.c2, 'hex');
        c2.writeUInt8(c2.readUInt8(c2.length - 1) ^ 0x80, c2.length - 1);
        expect(() => open(sm2Der(x, y, enc.c3, c2.toString('hex')))).toThrow(code('ENVELOPE_OPEN_FAILED'));
    });

    test('an authentic envelope of an empty message is refused, not returned as ""', () => {
        // sm-crypto-v2 reports a failed decryption as '' too; Sealpact must not confuse the two.
        const empty = sm2.doEncrypt(new Uint8Array(0), enc.public_key_uncompressed, 1, { asn1: true });
        expect(() => open(empty)).toThrow(code('BAD_ENVELOPE'));
    });
});

// The standard key as a PEM file for `openssl pkeyutl`, which every envelope below is also given.
let dir: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealpact-sm2-'));
    writeFileSync(join(dir, 'key.pem'), standardKey().key.export({ type: 'pkcs8', format: 'pem' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What `openssl pkeyutl -decrypt` makes of an envelope for the standard key: the plaintext, or undefined when it refuses. */
function opensslOpens(envelope: Buffer): Buffer | undefined {
    writeFileSync(join(dir, 'env.der'), envelope);
    const run = spawnSync('openssl', ['pkeyutl', '-decrypt', '-inkey', 'key.pem', '-in', 'env.der'], { cwd: dir });
    return run.status === 0 ? run.stdout : undefined;
}

/** An OpenSSL-made envelope of `password` for the standard key. */
function opensslSeals(password: Buffer): Buffer {
    writeFileSync(join(dir, 'password.bin'), password);
    writeFileSync(join(dir, 'key.pub.pem'), standardKey().publicKey.pem);
    return execFileSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', 'key.pub.pem', '-in', 'password.bin'], {
        cwd: dir,
    });
}

/** The four fields of a GM/T 0009 envelope: x1, y1 as 64 hex digits, C3, C2 as hex. */
function fieldsOf(envelope: Buffer): [string, string, string, string] {
    const fields = new DerReader(envelope, 'BAD_ARGUMENT', 'test envelope').sequence();
    return [
        hexOf(fields.integer()),
        hexOf(fields.integer()),
        Buffer.from(fields.octets()).toString('hex'),
        Buffer.from(fields.octets()).toString('hex'),
    ];
}

/** The envelope with C1 replaced by -C1 = (x1, p - y1), re-encoded as canonical DER. */
function negateC1(envelope: Buffer): Buffer {
    const [x1, y1, c3, c2] = fieldsOf(envelope);
    return sm2Der(x1, hexOf(SM2_P - BigInt(`0x${y1}`)), c3, c2);
}

describe('one accepted encoding per envelope: what OpenSSL refuses, Sealpact refuses', () => {
    test('-C1 in the standard ciphertext: both open the original, both refuse the negated one', () => {
        const standard = sm2Der(enc.c1_x, enc.c1_y, enc.c3, enc.c2);
        const negated = negateC1(standard);
        expect(isSm2Point(`04${fieldsOf(negated)[0]}${fieldsOf(negated)[1]}`)).toBe(true);
        expect(opensslOpens(standard)?.toString('ascii')).toBe(enc.message_ascii);
        expect(openEnvelope(standardKey(), standard).toString('ascii')).toBe(enc.message_ascii);
        expect(opensslOpens(negated)).toBeUndefined();
        expect(() => openEnvelope(standardKey(), negated)).toThrow(code('ENVELOPE_OPEN_FAILED'));
    });

    test('OpenSSL-made envelopes open, for both parities of y2, and their -C1 twins are refused by both', () => {
        // d·C1 = (x2, y2): the bug accepted either y for a given x2, so cover both parities of y2.
        const key = standardKey();
        const parities = new Set<number>();
        for (let i = 0; i < 40 && parities.size < 2; i++) {
            const password = randomBytes(32);
            const envelope = opensslSeals(password);
            expect(openEnvelope(key, envelope)).toEqual(password);
            const negated = negateC1(envelope);
            expect(opensslOpens(negated)).toBeUndefined();
            expect(() => openEnvelope(key, negated)).toThrow(code('ENVELOPE_OPEN_FAILED'));
            const [x1, y1] = fieldsOf(envelope);
            parities.add(Buffer.from(sm2.ecdh(enc.private_key, `04${x1}${y1}`, false)).readUInt8(64) & 1);
        }
        expect(parities.size).toBe(2);
    });
});

describe('GM/T 0009 DER envelope: INTEGER edge cases with chosen k', () => {
    /** The first k = 1, 2, ... whose C1 = kG has an x coordinate matching `want`. */
    function findK(want: (xHex: string) => boolean): string {
        for (let k = 1n; ; k++) {
            const kHex = hexOf(k);
            if (want(sm2.getPublicKeyFromPrivateKey(kHex).slice(2, 66))) {
                return kHex;
            }
        }
    }

    test.each([
        ['x below 2^248 (a short INTEGER)', (xHex: string) => xHex.startsWith('00')],
        ['x at or above 2^255 (a leading 00 byte)', (xHex: string) => xHex.charAt(0) >= '8'],
    ])('%s: minimal DER that both Sealpact and OpenSSL open', (_name, want) => {
        const key = standardKey();
        const password = Buffer.from('edge case password');
        nextScalarIs(findK(want));
        const envelope = sealEnvelope(key.publicKey, password);
        expect(openEnvelope(key, envelope)).toEqual(password);
        expect(opensslOpens(envelope)).toEqual(password);
    });
});
