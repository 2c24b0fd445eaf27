import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { bytesToHex, deriveFilePassword, drawingDigest, hexToBytes } from '@sealpact/protocol';
import {
    KAT_DIGEST,
    KAT_DRAWING,
    KAT_INITIAL_DATA,
    KAT_MEMORY,
    KAT_PASSWORD,
    KAT_RANDOM,
    KAT_TIME,
} from '../../protocol/src/test-support/password-example';
import { browserPrimitives } from './primitives';

// The browser's primitives under the shared file-password code: the known answers of
// docs/password.md, and HMAC and HKDF equal to OpenSSL's on random inputs.

describe.each(['sm3', 'sha256'] as const)('the browser primitives with %s', (hash) => {
    it('give the known answers of docs/password.md', () => {
        const options = { deviceTimeMs: KAT_TIME, freeMemoryBytes: KAT_MEMORY, hash };
        const { initialData, digest } = drawingDigest(KAT_DRAWING, options, browserPrimitives);
        expect(initialData).toBe(KAT_INITIAL_DATA);
        expect(bytesToHex(digest)).toBe(KAT_DIGEST[hash]);
        const password = deriveFilePassword(KAT_RANDOM, hexToBytes(KAT_DIGEST[hash]), hash, browserPrimitives);
        expect(bytesToHex(password)).toBe(KAT_PASSWORD[hash]);
    });

    it('compute HMAC and HKDF as OpenSSL does', () => {
        for (let i = 0; i < 20; i++) {
            const key = randomBytes(33);
            const data = randomBytes(100 + i);
            const salt = randomBytes(i);
            const info = randomBytes(7);
            expect(bytesToHex(browserPrimitives.hmac(hash, key, data))).toBe(
                createHmac(hash, key).update(data).digest('hex'),
            );
            expect(bytesToHex(browserPrimitives.hkdf(hash, key, salt, info, 32))).toBe(
                Buffer.from(hkdfSync(hash, key, salt, info, 32)).toString('hex'),
            );
        }
    });
});
