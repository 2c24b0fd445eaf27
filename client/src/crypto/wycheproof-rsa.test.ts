import { createPrivateKey, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { MIN_RSA_BITS, parsePublicKey } from '@sealpact/protocol';
import { defined } from '../../../protocol/src/test-support/defined';
import { outcomeOf } from '../../../protocol/src/test-support/expect-error';
import { loadPrivateKey } from './keys';
import { openEnvelope, RSA_OAEP_OPTIONS } from './envelope';
import { createVerifier, verifyDetached } from './signature';

// Project Wycheproof vectors for the two RSA primitives Sealpact uses, restricted to its
// parameters: OAEP with SHA-256 and MGF1-SHA-256; PSS with SHA-256, MGF1-SHA-256, 32-byte salt.
// A missing file throws (never a skip), and every selected file must contribute vectors.
const DIR = join(__dirname, 'testdata', 'vectors', 'wycheproof');

interface Vector {
    tcId: number;
    comment: string;
    flags: string[];
    msg: string;
    result: 'valid' | 'invalid' | 'acceptable';
}
interface OaepVector extends Vector {
    ct: string;
    label: string;
}
interface PssVector extends Vector {
    sig: string;
}
interface Group<T> {
    keySize: number;
    sha: string;
    mgf: string;
    mgfSha: string;
    sLen?: number;
    privateKeyPem?: string;
    publicKeyPem?: string;
    tests: T[];
}

function groups<T>(file: string, keep: (g: Group<T>) => boolean): Group<T>[] {
    const all = (JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { testGroups: Group<T>[] }).testGroups;
    const kept = all.filter((g) => g.sha === 'SHA-256' && g.mgf === 'MGF1' && g.mgfSha === 'SHA-256' && keep(g));
    if (kept.length === 0) {
        throw new Error(`${file}: no test group with Sealpact's parameters`);
    }
    return kept;
}

const NAME = 'tcId $tcId $result $comment';

describe.each([
    'rsa_oaep_2048_sha256_mgf1sha256_test.json',
    'rsa_oaep_3072_sha256_mgf1sha256_test.json',
    'rsa_oaep_4096_sha256_mgf1sha256_test.json',
    'rsa_oaep_misc_test.json',
])('Wycheproof RSA-OAEP %s', (file) => {
    for (const group of groups<OaepVector>(file, () => true)) {
        const pem = defined(group.privateKeyPem, `a ${file} group without privateKeyPem`);
        const weak = group.keySize < MIN_RSA_BITS;

        if (weak) {
            // Sealpact refuses RSA below 2048 bits, so these keys can never open an envelope:
            // assert the refusal, and still run the vectors through the same Node primitive
            // with RSA_OAEP_OPTIONS (below) so the parameters are checked at every size.
            test(`RSA-${group.keySize} private key is refused as WEAK_KEY`, () => {
                expect(() => loadPrivateKey(pem)).toThrow(expect.objectContaining({ code: 'WEAK_KEY' }));
            });
        }

        // 'acceptable' here is SmallIntegerCiphertext: a valid OAEP block whose ciphertext integer
        // is small. OpenSSL decrypts it and so do we (it leaks nothing); we assert that it opens.
        const primitive = (v: OaepVector) =>
            privateDecrypt(
                { key: createPrivateKey(pem), ...RSA_OAEP_OPTIONS, oaepLabel: Buffer.from(v.label, 'hex') },
                Buffer.from(v.ct, 'hex'),
            );
        test.each(group.tests)(`RSA-${group.keySize} primitive: ${NAME}`, (v) => {
            const thrown = { threw: expect.anything() }; // node:crypto's errors come from another realm
            expect(outcomeOf(() => primitive(v).toString('hex'))).toEqual(
                v.result === 'invalid' ? thrown : { returned: v.msg },
            );
        });

        // Envelopes use the empty label and never carry an empty password, so only vectors of that
        // shape go through openEnvelope; the others are covered by the primitive test above.
        const envelopeVectors = group.tests.filter((v) => v.label === '' && v.msg !== '');
        if (!weak && envelopeVectors.length > 0) {
            test.each(envelopeVectors)(`RSA-${group.keySize} openEnvelope: ${NAME}`, (v) => {
                const key = loadPrivateKey(pem);
                const ct = Buffer.from(v.ct, 'hex');
                // A ciphertext of the wrong length is refused before decryption; one of the right
                // length fails RSA-OAEP.
                const refusal = ct.length === group.keySize / 8 ? 'ENVELOPE_OPEN_FAILED' : 'BAD_ENVELOPE';
                expect(outcomeOf(() => openEnvelope(key, ct).toString('hex'))).toEqual(
                    v.result === 'invalid' ? { code: refusal } : { returned: v.msg },
                );
            });
        }
    }
});

describe.each([
    'rsa_pss_2048_sha256_mgf1_32_test.json',
    'rsa_pss_3072_sha256_mgf1_32_test.json',
    'rsa_pss_misc_test.json',
])('Wycheproof RSA-PSS %s', (file) => {
    for (const group of groups<PssVector>(file, (g) => g.sLen === 32)) {
        const key = parsePublicKey(defined(group.publicKeyPem, `a ${file} group without publicKeyPem`));
        test.each(group.tests)(`RSA-${group.keySize}: ${NAME}`, (v) => {
            const msg = Buffer.from(v.msg, 'hex');
            const sig = Buffer.from(v.sig, 'hex');
            // No 'acceptable' vectors exist in these groups; treat any as must-verify if added.
            const expected = v.result !== 'invalid';
            expect(verifyDetached(key, msg, sig)).toBe(expected);
            expect(createVerifier(key).update(msg).verify(sig)).toBe(expected);
        });
    }
});
