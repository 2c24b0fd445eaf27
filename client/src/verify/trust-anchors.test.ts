import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectError } from '../../../protocol/src/test-support/expect-error';
import { ANCHORS, channelConfig, TESTDATA } from '../test-support/verify-fixtures';
import { anchorPems, trustAnchorsFromConfig, trustAnchorsFromDir, trustAnchorsFromFingerprints } from './trust-anchors';

const MSPS = ['AuditorOrgMSP', 'AuthorityOrgMSP', 'OrdererMSP', 'Org1MSP', 'Org2MSP'];
const STRANGER = join(TESTDATA, 'stranger');

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealpact-anchors-'));
});
afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
});

/** Each MSP's CA fingerprint as openssl-style text: upper case with colons. */
function opensslFingerprints(): Record<string, string[]> {
    return Object.fromEntries(
        MSPS.map((mspId) => [mspId, [new X509Certificate(readFileSync(join(ANCHORS, `${mspId}.pem`))).fingerprint256]]),
    );
}

describe('trust anchors', () => {
    it('reads a folder of <MSPID>.pem CA certificates as SHA-256 fingerprints of their DER', () => {
        const anchors = trustAnchorsFromDir(ANCHORS);
        expect([...anchors.keys()].sort()).toEqual(MSPS);
        for (const [mspId, [fingerprint]] of Object.entries(opensslFingerprints())) {
            expect([...(anchors.get(mspId) ?? [])]).toEqual([fingerprint?.replaceAll(':', '').toLowerCase()]);
        }
    });

    it('reads fingerprints in any case, with or without colons, as the same anchors', () => {
        const upper = trustAnchorsFromFingerprints(opensslFingerprints());
        expect(upper).toEqual(trustAnchorsFromDir(ANCHORS));
        const plain = Object.fromEntries(
            Object.entries(opensslFingerprints()).map(([mspId, prints]) => [
                mspId,
                prints.map((p) => p.replaceAll(':', '')),
            ]),
        );
        expect(trustAnchorsFromFingerprints(plain)).toEqual(upper);
    });

    it('derives the anchors of a verified configuration, and writes them out as a folder that reads back', () => {
        const config = channelConfig();
        expect(trustAnchorsFromConfig(config)).toEqual(trustAnchorsFromDir(ANCHORS));
        for (const [mspId, pem] of Object.entries(anchorPems(config))) {
            writeFileSync(join(dir, `${mspId}.pem`), pem);
        }
        expect(trustAnchorsFromDir(dir)).toEqual(trustAnchorsFromDir(ANCHORS));
    });

    it('takes several CA certificates in one file and ignores other files', () => {
        writeFileSync(
            join(dir, 'Org1MSP.pem'),
            readFileSync(join(ANCHORS, 'Org1MSP.pem'), 'utf8') + readFileSync(join(STRANGER, 'ca.pem'), 'utf8'),
        );
        writeFileSync(join(dir, 'README'), 'not an anchor');
        const anchors = trustAnchorsFromDir(dir);
        expect([...anchors.keys()]).toEqual(['Org1MSP']);
        expect(anchors.get('Org1MSP')?.size).toBe(2);
    });
});

describe('bad trust anchors (BAD_TRUST_ANCHORS)', () => {
    it('refuses a missing folder and one without <MSPID>.pem files', () => {
        expectError(() => trustAnchorsFromDir(join(dir, 'missing')), 'BAD_TRUST_ANCHORS', /missing cannot be read/);
        writeFileSync(join(dir, 'README'), 'nothing here');
        expectError(() => trustAnchorsFromDir(dir), 'BAD_TRUST_ANCHORS', /holds no <MSPID>\.pem file/);
    });

    it('refuses a file holding a certificate that is not a CA, naming the file', () => {
        copyFileSync(join(STRANGER, 'peer.pem'), join(dir, 'Org1MSP.pem'));
        expectError(
            () => trustAnchorsFromDir(dir),
            'BAD_TRUST_ANCHORS',
            'the trust anchor Org1MSP.pem holds something that is not a CA certificate',
        );
    });

    it('refuses a file holding a private key besides its CA certificate', () => {
        writeFileSync(
            join(dir, 'Org1MSP.pem'),
            readFileSync(join(STRANGER, 'ca.pem'), 'utf8') + readFileSync(join(STRANGER, 'ca.key'), 'utf8'),
        );
        expectError(
            () => trustAnchorsFromDir(dir),
            'BAD_TRUST_ANCHORS',
            /Org1MSP\.pem holds something that is not a CA/,
        );
        // A CA certificate with anything else beside it: the file is not only CA certificates.
        writeFileSync(join(dir, 'Org1MSP.pem'), `${readFileSync(join(STRANGER, 'ca.pem'), 'utf8')}trailing text\n`);
        expectError(
            () => trustAnchorsFromDir(dir),
            'BAD_TRUST_ANCHORS',
            'the trust anchor Org1MSP.pem holds something that is not a CA certificate',
        );
    });

    it('refuses a file with no certificate, or a damaged one', () => {
        writeFileSync(join(dir, 'Org1MSP.pem'), 'not PEM');
        expectError(
            () => trustAnchorsFromDir(dir),
            'BAD_TRUST_ANCHORS',
            'the trust anchor Org1MSP.pem holds no PEM certificate',
        );
        const pem = readFileSync(join(STRANGER, 'ca.pem'), 'utf8');
        writeFileSync(join(dir, 'Org1MSP.pem'), pem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA'));
        expectError(
            () => trustAnchorsFromDir(dir),
            'BAD_TRUST_ANCHORS',
            /Org1MSP\.pem holds something that is not a CA/,
        );
    });

    it('refuses an <MSPID>.pem that cannot be read', () => {
        mkdirSync(join(dir, 'Org1MSP.pem'));
        expectError(() => trustAnchorsFromDir(dir), 'BAD_TRUST_ANCHORS', /Org1MSP\.pem cannot be read/);
    });

    it('refuses a folder that is a file', () => {
        writeFileSync(join(dir, 'file'), '');
        expectError(() => trustAnchorsFromDir(join(dir, 'file')), 'BAD_TRUST_ANCHORS', /file cannot be read/);
    });

    it('refuses fingerprints that are not 32 bytes of hex, an MSP without any, and no anchors at all', () => {
        const good = 'ab'.repeat(32);
        for (const bad of ['ab'.repeat(31), `${'ab'.repeat(31)}zz`, `${good}00`, '']) {
            expectError(
                () => trustAnchorsFromFingerprints({ Org1MSP: [good], Org2MSP: [bad] }),
                'BAD_TRUST_ANCHORS',
                'the trust anchors of Org2MSP are not SHA-256 fingerprints (64 hex digits)',
            );
        }
        expectError(() => trustAnchorsFromFingerprints({ Org1MSP: [] }), 'BAD_TRUST_ANCHORS', /of Org1MSP are not/);
        expectError(() => trustAnchorsFromFingerprints({}), 'BAD_TRUST_ANCHORS', 'no trust anchors given');
    });
});
