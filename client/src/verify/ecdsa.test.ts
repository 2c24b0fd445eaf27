import { verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { derSignature, highSTwin, P256_N, registerKeys, rs, TESTDATA } from '../test-support/verify-fixtures';
import { derElement, derUnsigned } from './der';
import { signatureProblem } from './ecdsa';
import { Endorsement } from './transactions';

const { transaction: tx } = registerKeys();
const endorsement = tx.endorsements[0] as Endorsement;
const peer = new X509Certificate(endorsement.endorser.certificate);
const signed = Buffer.concat([tx.proposalResponsePayload, endorsement.endorserBytes]);

describe('signatureProblem (ECDSA P-256 / SHA-256, low-S, strict DER)', () => {
    it('accepts a real endorsement signature', () => {
        expect(signatureProblem(peer, signed, endorsement.signature)).toBeUndefined();
    });

    it('refuses its high-S twin, which verifies mathematically', () => {
        const twin = highSTwin(endorsement.signature);
        expect(verify('sha256', signed, { key: peer.publicKey, dsaEncoding: 'der' }, twin)).toBe(true);
        expect(signatureProblem(peer, signed, twin)).toBe(
            'the signature is high-S (Fabric accepts only low-S signatures)',
        );
    });

    it('refuses another message, another key and a changed signature', () => {
        const creator = new X509Certificate(tx.creator.certificate);
        expect(signatureProblem(peer, Buffer.concat([signed, Buffer.of(0)]), endorsement.signature)).toBe(
            'the signature does not verify',
        );
        expect(signatureProblem(creator, signed, endorsement.signature)).toBe('the signature does not verify');
        const [r, s] = rs(endorsement.signature);
        expect(signatureProblem(peer, signed, derSignature(r + 1n, s))).toBe('the signature does not verify');
    });

    it('refuses r or s out of [1, n − 1]', () => {
        const [r, s] = rs(endorsement.signature);
        for (const [badR, badS] of [
            [0n, s],
            [r, 0n],
            [P256_N, s],
            [r, P256_N],
        ] as const) {
            expect(signatureProblem(peer, signed, derSignature(badR, badS))).toBe('the signature is out of range');
        }
    });

    it('refuses what is not strict DER: trailing bytes, a padded integer, an empty signature', () => {
        const [r, s] = rs(endorsement.signature);
        const paddedR = derElement(0x02, Buffer.concat([Buffer.of(0), derUnsigned(r).subarray(2)]));
        const padded = derElement(0x30, Buffer.concat([paddedR, derUnsigned(s)]));
        const exact = derSignature(r, s);
        expect(signatureProblem(peer, signed, Buffer.concat([exact, Buffer.of(0)]))).toBe(
            'the signature is not a DER ECDSA signature',
        );
        expect(signatureProblem(peer, signed, padded)).toBe('the signature is not a DER ECDSA signature');
        expect(signatureProblem(peer, signed, exact.subarray(0, exact.length - 1))).toBe(
            'the signature is not a DER ECDSA signature',
        );
        expect(signatureProblem(peer, signed, Buffer.alloc(0))).toBe('the signature is not a DER ECDSA signature');
    });

    it('refuses a key that is not P-256', () => {
        const p384 = new X509Certificate(readFileSync(join(TESTDATA, 'stranger', 'p384.pem')));
        expect(signatureProblem(p384, signed, endorsement.signature)).toBe('the certificate key is not ECDSA P-256');
    });
});
