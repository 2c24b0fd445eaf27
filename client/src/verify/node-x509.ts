import { createHash, verify, X509Certificate } from 'node:crypto';
import { Certificate, useX509Platform, X509Platform } from '@sealpact/protocol/fabric';

/**
 * The Fabric checks' platform in Node (@sealpact/protocol/fabric's platform.ts): node:crypto's
 * X509Certificate, ECDSA verification and SHA-256. Importing this module installs it.
 */

/** The order of P-256, in bytes: r and s of a signature as IEEE P1363 (r ‖ s). */
const P256_BYTES = 32;

/** A certificate this platform parsed (the checks hand back only those). */
function node(certificate: Certificate): X509Certificate {
    if (!(certificate instanceof X509Certificate)) throw new TypeError('not a certificate node-x509 parsed');
    return certificate;
}

function fixed(value: bigint): Buffer {
    return Buffer.from(value.toString(16).padStart(2 * P256_BYTES, '0'), 'hex');
}

export const nodeX509: X509Platform = {
    parse(certificate) {
        try {
            return new X509Certificate(typeof certificate === 'string' ? certificate : Buffer.from(certificate));
        } catch {
            return undefined;
        }
    },
    issuedBy: (certificate, ca) =>
        node(certificate).checkIssued(node(ca)) && node(certificate).verify(node(ca).publicKey),
    isP256(certificate) {
        const key = node(certificate).publicKey;
        return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    },
    verifies: (certificate, data, r, s) =>
        verify(
            'sha256',
            data,
            { key: node(certificate).publicKey, dsaEncoding: 'ieee-p1363' },
            Buffer.concat([fixed(r), fixed(s)]),
        ),
    sha256(data) {
        const digest = createHash('sha256').update(data).digest();
        // A plain Uint8Array, as the browser's: the checks' bytes compare equal whatever made them.
        return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
    },
};

useX509Platform(nodeX509);
