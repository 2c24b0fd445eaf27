import { createPrivateKey, randomBytes } from 'node:crypto';
import { base64ToBytes } from '@sealpact/protocol';
import { expectRejection } from '../../protocol/src/test-support/expect-error';
import { defined } from '../../protocol/src/test-support/defined';
import { openEnvelope, sealEnvelope as sdkSeal } from '../../client/src/crypto/envelope';
import { generateKeyPair, loadPrivateKey, PrivateKeyInfo } from '../../client/src/crypto/keys';
import { signDetached, verifyDetached } from '../../client/src/crypto/signature';
import { sealEnvelope } from './envelope';
import { generateKey, keyOfPkcs8, openWith, PageKey, publicKeyOf, signWith } from './page-keys';

// RSA-3072 generation takes seconds on a loaded machine.
jest.setTimeout(60_000);

// The page's own keys against the Node SDK, both ways: what one seals the other opens, what one
// signs the other verifies (as the chaincode verifies, with the same code).

/** The page's key as the SDK loads it: its PKCS#8 as a plain "PRIVATE KEY". */
function sdkKeyOf(key: PageKey & { algorithm: 'rsa' }): PrivateKeyInfo {
    const der = Buffer.from(defined(base64ToBytes(key.pkcs8)));
    return loadPrivateKey(
        createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
            .export({ type: 'pkcs8', format: 'pem' })
            .toString(),
    );
}

/** The SDK's key as the page holds it. */
function pageKeyOf(key: PrivateKeyInfo): Promise<PageKey> {
    return keyOfPkcs8(key.key.export({ type: 'pkcs8', format: 'der' }), 'BAD_PEM');
}

describe('RSA keys made in the page', () => {
    let rsa: PageKey & { algorithm: 'rsa' };
    beforeAll(async () => {
        rsa = (await generateKey('rsa')) as PageKey & { algorithm: 'rsa' };
    });

    it('are RSA-3072 with exponent 65537, as the SDK makes them, and the SDK loads them as the same key', () => {
        const info = publicKeyOf(rsa);
        expect(info.algorithm).toBe('rsa');
        expect(info.bits).toBe(3072);
        expect(sdkKeyOf(rsa).publicKey.fingerprint).toBe(info.fingerprint);
    });

    it('open envelopes the SDK seals to them, and the SDK opens what the page seals to them', async () => {
        const password = randomBytes(32);
        const fromSdk = sdkSeal(publicKeyOf(rsa), password);
        expect(Buffer.from(await openWith(rsa, fromSdk)).equals(password)).toBe(true);
        const fromPage = await sealEnvelope(publicKeyOf(rsa), password);
        expect(openEnvelope(sdkKeyOf(rsa), fromPage).equals(password)).toBe(true);
    });

    it('sign RSA-PSS that the SDK verifies (the chaincode verifies with the same rule)', async () => {
        const message = Buffer.from('sealpact-key-registration/v1 ...');
        const signature = await signWith(rsa, message);
        expect(verifyDetached(publicKeyOf(rsa), message, signature)).toBe(true);
        expect(verifyDetached(publicKeyOf(rsa), Buffer.from('another statement'), signature)).toBe(false);
    });

    it('refuse an envelope of the wrong length or another key, with the SDK codes', async () => {
        const other = await generateKey('rsa');
        const envelope = sdkSeal(publicKeyOf(other), randomBytes(32));
        await expectRejection(openWith(rsa, envelope), 'ENVELOPE_OPEN_FAILED', /does not open with this key/);
        await expectRejection(openWith(rsa, envelope.subarray(1)), 'BAD_ENVELOPE', /is 383 bytes, not 384/);
    });
});

describe('keys the SDK makes, held by the page', () => {
    it.each(['sm2', 'rsa'] as const)(
        '%s: same fingerprint, opens SDK envelopes, signs what the SDK verifies',
        async (algorithm) => {
            const sdk = generateKeyPair(algorithm, { bits: 2048 });
            const page = await pageKeyOf(sdk);
            expect(publicKeyOf(page).fingerprint).toBe(sdk.publicKey.fingerprint);
            const password = randomBytes(32);
            expect(Buffer.from(await openWith(page, sdkSeal(sdk.publicKey, password))).equals(password)).toBe(true);
            const message = Buffer.from('a signing statement');
            expect(verifyDetached(sdk.publicKey, message, await signWith(page, message))).toBe(true);
            // And the other way: the page's SM2 verification is protocol's, the chaincode's.
            expect(verifyDetached(publicKeyOf(page), message, signDetached(sdk, message))).toBe(true);
        },
    );

    it('refuses an RSA key whose parts do not sign verifiably (the SDK pairwise test): BAD_PEM', async () => {
        const sdk = generateKeyPair('rsa', { bits: 2048 });
        const jwk = sdk.key.export({ format: 'jwk' });
        // Another modulus with the same private exponent: it parses, and signs what does not verify.
        const other = generateKeyPair('rsa', { bits: 2048 }).key.export({ format: 'jwk' });
        const damaged = createPrivateKey({ key: { ...jwk, n: other.n }, format: 'jwk' });
        await expectRejection(
            keyOfPkcs8(damaged.export({ type: 'pkcs8', format: 'der' }), 'BAD_PEM'),
            'BAD_PEM',
            /does not match its public key/,
        );
    });

    it('keeps an SM2 key as sm-crypto-v2 has it, so the vault can hold it', async () => {
        const page = await pageKeyOf(generateKeyPair('sm2'));
        expect(Object.keys(page).sort()).toEqual(['algorithm', 'privateKey', 'publicKey']);
        const { privateKey, publicKey } = page as PageKey & { algorithm: 'sm2' };
        expect(privateKey).toMatch(/^[0-9a-f]{64}$/);
        expect(publicKey).toMatch(/^04[0-9a-f]{128}$/);
    });
});
