/**
 * Fuzz suite: private and public key loading (docs/crypto.md, section 1). Seeds are real PEM files,
 * mutated as text and as DER. A private key either is refused with a key code or loads and signs
 * what its public half verifies; a public key either is refused or parses to its canonical PEM.
 */
import fc from 'fast-check';
import { parsePublicKey, PublicKeyInfo } from '@sealpact/protocol';
import {
    attempt,
    bitFlipsOf,
    FUZZ_TIMEOUT_MS,
    fuzz,
    mutationsOf,
    REFUSED,
    textMutationsOf,
} from '../../../chaincode/src/test-support/fuzz';
import { defined } from '../../../protocol/src/test-support/defined';
import { generateKeyPair, loadPrivateKey } from './keys';
import { signDetached, verifyDetached } from './signature';

jest.setTimeout(FUZZ_TIMEOUT_MS);

const PASSPHRASE = 'fuzz passphrase';
const PRIVATE_KEY_CODES = [
    'BAD_PEM',
    'PUBLIC_KEY_GIVEN',
    'PASSPHRASE_REQUIRED',
    'BAD_PASSPHRASE',
    'WEAK_KEY',
    'UNSUPPORTED_KEY',
] as const;
const MESSAGE = Buffer.from('fuzz');

/** A PEM file of `der` under `label`, as OpenSSL writes it. */
function pem(label: string, der: Buffer): string {
    return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
}

/** The label and DER of a PEM file. */
function parts(text: string): [string, Buffer] {
    const [, label, body] = defined(/^-----BEGIN ([A-Z ]+)-----\n([^-]*)-----END/.exec(text), 'a PEM file');
    return [defined(label), Buffer.from(defined(body), 'base64')];
}

/** Mutations of a PEM file: of its text, and of its DER re-wrapped in the same label. */
function pemMutationsOf(text: string): fc.Arbitrary<string> {
    const [label, der] = parts(text);
    return fc.oneof(
        textMutationsOf(text),
        fc.oneof(mutationsOf(der), bitFlipsOf(der)).map((mutated) => pem(label, mutated)),
    );
}

const privatePems: string[] = [];
const publicPems: string[] = [];

beforeAll(() => {
    for (const alg of ['sm2', 'rsa'] as const) {
        const key = generateKeyPair(alg, { bits: 2048 });
        privatePems.push(key.key.export({ type: 'pkcs8', format: 'pem' }).toString());
        // Node's own PBES2 export (2,048 PBKDF2 iterations): the same structure as Sealpact's, and fast to load.
        privatePems.push(
            key.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString(),
        );
        publicPems.push(key.publicKey.pem);
    }
});

test('a mutated private key is refused with a key code, or loads and signs verifiably', () => {
    const mutated = fc.constantFrom(...privatePems).chain(pemMutationsOf);
    fuzz(
        fc.property(mutated, (text) => {
            const key = attempt(() => loadPrivateKey(text, PASSPHRASE), PRIVATE_KEY_CODES);
            return key === REFUSED || verifyDetached(key.publicKey, MESSAGE, signDetached(key, MESSAGE));
        }),
        400,
    );
});

test('arbitrary text is refused as a private key', () => {
    const text = fc.oneof(
        fc.string({ maxLength: 300 }),
        fc
            .base64String({ maxLength: 400 })
            .map((body) => `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`),
    );
    fuzz(
        fc.property(text, (input) => {
            expect(attempt(() => loadPrivateKey(input, PASSPHRASE), PRIVATE_KEY_CODES)).toBe(REFUSED);
        }),
        400,
    );
});

test('a mutated public key is refused, or parses to a canonical key that parses again to itself', () => {
    const mutated = fc.constantFrom(...publicPems).chain(pemMutationsOf);
    fuzz(
        fc.property(fc.oneof(mutated, fc.string({ maxLength: 300 })), (text) => {
            // Any refusal code: the public-key rules name their own (WEAK_KEY, UNSUPPORTED_KEY, ...).
            const key = attempt(() => parsePublicKey(text));
            if (key === REFUSED) {
                return true;
            }
            const again: PublicKeyInfo = parsePublicKey(key.pem);
            return again.pem === key.pem && again.fingerprint === key.fingerprint;
        }),
        600,
    );
});
