import { p256 } from '@noble/curves/nist';
import { sha256 } from '@noble/hashes/sha2';
import { base64ToBytes, bytesToBase64 } from '@sealpact/protocol';
import { Certificate, text, useX509Platform, X509Platform } from '@sealpact/protocol/fabric';
import { ObjectIdentifier } from 'asn1js';
import { BasicConstraints, Certificate as PkiCertificate } from 'pkijs';

/**
 * The Fabric checks' platform in the browser (@sealpact/protocol/fabric's platform.ts): X.509 parsed
 * by pkijs, ECDSA P-256 verified by @noble/curves and SHA-256 by @noble/hashes, all synchronous as
 * the shared checks are (WebCrypto's verify is asynchronous). Fabric's CAs and nodes use P-256
 * keys and ECDSA-SHA256 signatures; a certificate signed otherwise does not chain here.
 * Importing this module installs it.
 */

const OID = {
    ecPublicKey: '1.2.840.10045.2.1',
    p256: '1.2.840.10045.3.1.7',
    ecdsaSha256: '1.2.840.10045.4.3.2',
    basicConstraints: '2.5.29.19',
};

/** Subject attributes by OID, named as Node's X509Certificate.subject names them. */
const ATTRIBUTES: Record<string, string> = {
    '2.5.4.3': 'CN',
    '2.5.4.6': 'C',
    '2.5.4.7': 'L',
    '2.5.4.8': 'ST',
    '2.5.4.10': 'O',
    '2.5.4.11': 'OU',
};

const PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

class BrowserCertificate implements Certificate {
    readonly ca: boolean;
    readonly subject: string;

    constructor(
        readonly raw: Uint8Array,
        readonly parsed: PkiCertificate,
    ) {
        const constraints = parsed.extensions?.find((extension) => extension.extnID === OID.basicConstraints);
        this.ca = constraints?.parsedValue instanceof BasicConstraints && constraints.parsedValue.cA;
        this.subject = parsed.subject.typesAndValues
            .filter((attribute) => ATTRIBUTES[attribute.type] !== undefined)
            .map((attribute) => `${ATTRIBUTES[attribute.type]}=${attribute.value.valueBlock.value}`)
            .join('\n');
    }

    toString(): string {
        const lines = bytesToBase64(this.raw).match(/.{1,64}/g) ?? [];
        return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
    }
}

/** A certificate this platform parsed (the checks hand back only those). */
function browser(certificate: Certificate): BrowserCertificate {
    if (!(certificate instanceof BrowserCertificate)) throw new TypeError('not a certificate x509.ts parsed');
    return certificate;
}

/** The uncompressed P-256 point of the certificate's key, or undefined for another key. */
function p256Key(certificate: Certificate): Uint8Array | undefined {
    const info = browser(certificate).parsed.subjectPublicKeyInfo;
    const curve: unknown = info.algorithm.algorithmParams;
    return info.algorithm.algorithmId === OID.ecPublicKey &&
        curve instanceof ObjectIdentifier &&
        curve.valueBlock.toString() === OID.p256
        ? info.subjectPublicKey.valueBlock.valueHexView
        : undefined;
}

function der(certificate: string | Uint8Array): Uint8Array | undefined {
    const pem = typeof certificate === 'string' ? certificate : text(certificate);
    const armored = PEM.exec(pem);
    if (armored !== null) return base64ToBytes((armored[1] ?? '').replace(/\s+/g, ''));
    return typeof certificate === 'string' ? undefined : certificate;
}

/** ECDSA P-256 / SHA-256 (noble hashes `data` itself: prehash). */
function verifiesWith(key: Uint8Array, data: Uint8Array, signature: Uint8Array, format: 'der' | 'compact'): boolean {
    try {
        // Certificates may carry high-S signatures; the Fabric checks refuse those themselves.
        return p256.verify(signature, data, key, { prehash: true, lowS: false, format });
    } catch {
        return false;
    }
}

export const browserX509: X509Platform = {
    parse(certificate) {
        const bytes = der(certificate);
        if (bytes === undefined) return undefined;
        try {
            return new BrowserCertificate(bytes, PkiCertificate.fromBER(new Uint8Array(bytes)));
        } catch {
            return undefined;
        }
    },
    issuedBy(certificate, ca) {
        const child = browser(certificate).parsed;
        const key = p256Key(ca);
        if (key === undefined || child.signatureAlgorithm.algorithmId !== OID.ecdsaSha256) return false;
        if (!child.issuer.isEqual(browser(ca).parsed.subject)) return false;
        return verifiesWith(key, child.tbsView, child.signatureValue.valueBlock.valueHexView, 'der');
    },
    isP256: (certificate) => p256Key(certificate) !== undefined,
    verifies(certificate, data, r, s) {
        const key = p256Key(certificate);
        return key !== undefined && verifiesWith(key, data, new p256.Signature(r, s).toBytes('compact'), 'compact');
    },
    sha256: (data) => sha256(data),
};

useX509Platform(browserX509);
