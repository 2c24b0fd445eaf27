import { expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { DER_INTEGER, DER_SEQUENCE, DerReader, fingerprintOf, SealpactError, sm2PointHex } from '@sealpact/protocol';
import { exportPrivateKeyPem, generateKeyPair, loadPrivateKey, PrivateKeyInfo, sm2PrivateScalarHex } from './keys';
import { signDetached, verifyDetached } from './signature';
import { defined } from '../../../protocol/src/test-support/defined';

const PASSPHRASE = 'correct horse battery staple';
let dir: string;
let sm2Key: PrivateKeyInfo;
let rsaKey: PrivateKeyInfo;

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealpact-keys-'));
    sm2Key = generateKeyPair('sm2');
    rsaKey = generateKeyPair('rsa', { bits: 2048 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): string {
    return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const code = (c: string) => expect.objectContaining({ code: c });

describe('generateKeyPair', () => {
    test('SM2: a Node EC key on the SM2 curve, fingerprint = SHA-256 of the SPKI DER', () => {
        expect(sm2Key.algorithm).toBe('sm2');
        expect(sm2Key.key.asymmetricKeyDetails?.namedCurve).toBe('SM2');
        expect(sm2Key.publicKey.bits).toBe(256);
        expect(sm2Key.publicKey.fingerprint).toBe(fingerprintOf(sm2Key.publicKey.spki));
        expect(sm2Key.publicKey.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    });

    test('RSA: default 3072 bits, exponent 65537', () => {
        const key = generateKeyPair('rsa');
        expect(key.publicKey.bits).toBe(3072);
        expect(key.key.asymmetricKeyDetails?.publicExponent).toBe(65537n);
        expect(rsaKey.publicKey.bits).toBe(2048);
    });

    test('refuses RSA below 2048 bits, odd sizes and unknown algorithms', () => {
        expect(() => generateKeyPair('rsa', { bits: 1024 })).toThrow(code('WEAK_KEY'));
        expect(() => generateKeyPair('rsa', { bits: 2050 })).toThrow(code('BAD_ARGUMENT'));
        expect(() => generateKeyPair('rsa', { bits: 32768 })).toThrow(code('BAD_ARGUMENT'));
        expect(() => generateKeyPair('dsa' as 'rsa')).toThrow(code('BAD_ARGUMENT'));
    });
});

describe('encrypted PKCS#8 export and load', () => {
    test.each(['sm2', 'rsa'])('%s: round trip, and openssl pkey -passin reads it', (alg) => {
        const key = alg === 'sm2' ? sm2Key : rsaKey;
        const pem = exportPrivateKeyPem(key, PASSPHRASE);
        expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
        const loaded = loadPrivateKey(pem, PASSPHRASE);
        expect(loaded.algorithm).toBe(alg);
        expect(loaded.publicKey.fingerprint).toBe(key.publicKey.fingerprint);

        writeFileSync(join(dir, 'enc.pem'), pem);
        const pub = openssl('pkey', '-in', 'enc.pem', '-passin', `pass:${PASSPHRASE}`, '-pubout');
        expect(pub).toBe(key.publicKey.pem);
        // PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, as docs/crypto.md says.
        const asn1 = openssl('asn1parse', '-in', 'enc.pem');
        expect(asn1).toMatch(/:PBES2/);
        expect(asn1).toMatch(/:hmacWithSHA256/);
        expect(asn1).toMatch(/:aes-256-cbc/);
        // 16-byte salt and 600,000 (0x927C0) PBKDF2 iterations, not OpenSSL's default 8 bytes and 2,048.
        expect(asn1).toMatch(/prim: OCTET STRING\s+\[HEX DUMP\]:[0-9A-F]{32}\n.*prim: INTEGER\s+:0927C0\n/);
    });

    test('a passphrase may be given as bytes', () => {
        const bytes = Buffer.from([0xff, 0x00, 0x01]);
        expect(loadPrivateKey(exportPrivateKeyPem(sm2Key, bytes), bytes).algorithm).toBe('sm2');
    });

    test('wrong, missing and empty passphrases', () => {
        const pem = exportPrivateKeyPem(sm2Key, PASSPHRASE);
        expect(() => loadPrivateKey(pem, 'wrong')).toThrow(code('BAD_PASSPHRASE'));
        expect(() => loadPrivateKey(pem)).toThrow(code('PASSPHRASE_REQUIRED'));
        expect(() => loadPrivateKey(pem, '')).toThrow(code('PASSPHRASE_REQUIRED'));
        expect(() => exportPrivateKeyPem(sm2Key, '')).toThrow(code('PASSPHRASE_REQUIRED'));
    });

    test('errors never contain the passphrase', () => {
        const pem = exportPrivateKeyPem(rsaKey, PASSPHRASE);
        expect(() => loadPrivateKey(pem, `${PASSPHRASE}!`)).toThrow(
            expect.objectContaining({ message: expect.not.stringContaining(PASSPHRASE) }),
        );
    });

    test('keys re-encrypted by openssl with a stronger PBKDF2 load', () => {
        writeFileSync(join(dir, 'plain.pem'), sm2Key.key.export({ type: 'pkcs8', format: 'pem' }));
        openssl(
            'pkcs8',
            '-topk8',
            '-in',
            'plain.pem',
            '-v2',
            'aes-256-cbc',
            '-iter',
            '200000',
            '-passout',
            `pass:${PASSPHRASE}`,
            '-out',
            'strong.pem',
        );
        const loaded = loadPrivateKey(readFileSync(join(dir, 'strong.pem'), 'utf8'), PASSPHRASE);
        expect(loaded.publicKey.fingerprint).toBe(sm2Key.publicKey.fingerprint);
    });
});

describe('loadPrivateKey of OpenSSL-made keys', () => {
    test('SM2 from `openssl genpkey -algorithm SM2` (Node sees no key type) gives the right scalar', () => {
        openssl('genpkey', '-algorithm', 'SM2', '-out', 'sm2.pem');
        const key = loadPrivateKey(readFileSync(join(dir, 'sm2.pem'), 'utf8'));
        expect(key.algorithm).toBe('sm2');
        expect(key.key.asymmetricKeyType).toBeUndefined();
        const text = openssl('pkey', '-in', 'sm2.pem', '-noout', '-text');
        const priv = defined(/priv:\s*([0-9a-f:\s]+)pub:/.exec(text)?.[1], 'the private scalar').replace(/[:\s]/g, '');
        expect(sm2PrivateScalarHex(key)).toBe(priv.padStart(64, '0'));
        expect(sm2.getPublicKeyFromPrivateKey(sm2PrivateScalarHex(key))).toBe(sm2PointHex(key.publicKey.spki));
    });

    test('RSA from `openssl genpkey -algorithm RSA`', () => {
        openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.pem');
        expect(loadPrivateKey(readFileSync(join(dir, 'rsa.pem'), 'utf8')).publicKey.bits).toBe(2048);
    });
});

describe('loadPrivateKey refusals', () => {
    const pkcs8 = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
        k.export({ type: 'pkcs8', format: 'pem' }).toString();

    test('a public key where a private one is needed', () => {
        expect(() => loadPrivateKey(sm2Key.publicKey.pem)).toThrow(code('PUBLIC_KEY_GIVEN'));
        const pkcs1 = rsaKey.key
            .export({ type: 'pkcs1', format: 'pem' })
            .toString()
            .replace(/PRIVATE/g, 'PUBLIC');
        expect(() => loadPrivateKey(pkcs1)).toThrow(code('PUBLIC_KEY_GIVEN'));
    });

    test('RSA below 2048 bits', () => {
        const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
        expect(() => loadPrivateKey(pkcs8(weak))).toThrow(code('WEAK_KEY'));
    });

    test('EC keys on other curves, and other key types', () => {
        const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
        expect(() => loadPrivateKey(pkcs8(p256))).toThrow(code('UNSUPPORTED_KEY'));
        expect(() => loadPrivateKey(pkcs8(generateKeyPairSync('ed25519').privateKey))).toThrow(code('UNSUPPORTED_KEY'));
    });

    test('garbage, empty and non-PKCS#8 PEM', () => {
        expect(() => loadPrivateKey('')).toThrow(code('BAD_PEM'));
        expect(() => loadPrivateKey('hello')).toThrow(code('BAD_PEM'));
        expect(() => loadPrivateKey('x'.repeat(70000))).toThrow(code('BAD_PEM'));
        expect(() => loadPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toThrow(
            code('BAD_PEM'),
        );
        const traditional = rsaKey.key.export({ type: 'pkcs1', format: 'pem' }).toString();
        expect(() => loadPrivateKey(traditional)).toThrow(code('BAD_PEM'));
    });

    test('an SM2 PKCS#8 whose scalar does not match its embedded public point', () => {
        const der = sm2Key.key.export({ type: 'pkcs8', format: 'der' });
        const other = generateKeyPair('sm2').key.export({ type: 'pkcs8', format: 'der' });
        // Same layout for every SM2 key: OCTET STRING (04 20) then the 32-byte scalar at 36..67.
        expect(der.subarray(34, 36).toString('hex')).toBe('0420');
        const mixed = Buffer.concat([der.subarray(0, 36), other.subarray(36, 68), der.subarray(68)]);
        // OpenSSL keeps the embedded public point, so only Sealpact's own check notices.
        const pem = createPrivateKey({ key: mixed, format: 'der', type: 'pkcs8' })
            .export({ type: 'pkcs8', format: 'pem' })
            .toString();
        expect(() => loadPrivateKey(pem)).toThrow(code('BAD_PEM'));
    });
});

test('sm2PrivateScalarHex refuses RSA keys', () => {
    expect(() => sm2PrivateScalarHex(rsaKey)).toThrow(code('UNSUPPORTED_KEY'));
});

describe('RSA private key consistency (pairwise sign and verify on load)', () => {
    const MESSAGE = Buffer.from('pairwise');
    const KEY_CODES = ['BAD_PEM', 'BAD_PASSPHRASE', 'WEAK_KEY', 'UNSUPPORTED_KEY'];
    const pem = (der: Buffer, type: 'PRIVATE KEY' | 'ENCRYPTED PRIVATE KEY') =>
        `-----BEGIN ${type}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${type}-----\n`;

    /** Offsets of the contents of each INTEGER of an RSA PKCS#8: n, e, d, p, q, dp, dq, qinv. */
    function rsaFields(der: Buffer): Record<string, [number, number]> {
        const outer = new DerReader(der, 'BAD_ARGUMENT', 'test key').sequence();
        outer.integer();
        outer.read(DER_SEQUENCE);
        const rsa = new DerReader(outer.octets(), 'BAD_ARGUMENT', 'test key').sequence();
        rsa.integer();
        const names = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qinv'];
        return Object.fromEntries(
            names.map((name) => {
                const value = rsa.read(DER_INTEGER);
                return [name, [value.byteOffset - der.byteOffset, value.length]];
            }),
        );
    }

    /** Bits flipped in `range`: both ends and `count` in between. */
    function bitsIn([start, length]: [number, number], count: number): number[] {
        const bits = length * 8;
        return [
            ...new Set([
                0,
                bits - 1,
                ...Array.from({ length: count }, (_, i) => Math.floor(((i + 1) * bits) / (count + 1))),
            ]),
        ].map((bit) => start * 8 + bit);
    }

    /**
     * Load `text`: a refusal must be typed and one line (its code is returned), a key that loads
     * must be the original and sign verifiably ('signs').
     */
    function refusesOrSignsVerifiably(text: string, passphrase?: string): string {
        let key: PrivateKeyInfo;
        try {
            key = loadPrivateKey(text, passphrase);
        } catch (err) {
            expect(KEY_CODES).toContain((err as SealpactError).code);
            expect((err as Error).message).not.toMatch(/\n/);
            return (err as SealpactError).code;
        }
        const signature = signDetached(key, MESSAGE);
        expect(key.publicKey.fingerprint).toBe(rsaKey.publicKey.fingerprint);
        expect(verifyDetached(rsaKey.publicKey, MESSAGE, signature)).toBe(true);
        return 'signs';
    }

    const flip = (der: Buffer, bit: number) => {
        const copy = Buffer.from(der);
        copy.writeUInt8(copy.readUInt8(bit >> 3) ^ (0x80 >> (bit & 7)), bit >> 3);
        return copy;
    };

    test('every bit flip in n, e, d, p, q, dp, dq or qinv of a plain key: refused, or the key still signs verifiably', () => {
        const der = rsaKey.key.export({ type: 'pkcs8', format: 'der' });
        const outcomes: Record<string, string[]> = {};
        for (const [name, range] of Object.entries(rsaFields(der))) {
            outcomes[name] = bitsIn(range, 14).map((bit) =>
                refusesOrSignsVerifiably(pem(flip(der, bit), 'PRIVATE KEY')),
            );
        }
        // Before the pairwise check, flips in n and e loaded and then signed what did not verify.
        expect([...defined(outcomes.n, 'the n flips'), ...defined(outcomes.e, 'the e flips')]).not.toContain('signs');
    });

    test('bit flips across the ciphertext of an encrypted key: refused, or the key still signs verifiably', () => {
        // Node's own PBES2 export (2,048 PBKDF2 iterations) keeps 150 loads fast; the format is the same.
        const encrypted = rsaKey.key.export({
            type: 'pkcs8',
            format: 'der',
            cipher: 'aes-256-cbc',
            passphrase: PASSPHRASE,
        });
        const outer = new DerReader(encrypted, 'BAD_ARGUMENT', 'test key').sequence();
        outer.read(DER_SEQUENCE);
        const ciphertext = outer.octets();
        const range: [number, number] = [ciphertext.byteOffset - encrypted.byteOffset, ciphertext.length];
        const outcomes = bitsIn(range, 150).map((bit) =>
            refusesOrSignsVerifiably(pem(flip(encrypted, bit), 'ENCRYPTED PRIVATE KEY'), PASSPHRASE),
        );
        // Some flips decrypt to a key that parses but is damaged: only the pairwise check refuses them.
        expect(outcomes).toContain('BAD_PEM');
    });
});
