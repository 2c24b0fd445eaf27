import { bytesToHex } from '../bytes';
import { EvidenceError } from '../errors';
import type { ChannelConfig } from './channel-config';
import { Certificate, x509 } from './platform';

/**
 * The channel's organisations as the verifier believes them, given from outside the network: per
 * MSP ID, the lower-case hex SHA-256 fingerprints of its CA certificates (their DER). A channel
 * configuration block is believed only when its organisations are exactly these, with these root
 * CAs (channel-config.ts).
 */
export type TrustAnchors = ReadonlyMap<string, ReadonlySet<string>>;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[^-]*-----END \1-----/g;
const FINGERPRINT = /^[0-9a-f]{64}$/;

/** The lower-case hex SHA-256 fingerprint of a certificate's DER. */
export function fingerprint(certificate: Certificate): string {
    return bytesToHex(x509().sha256(certificate.raw));
}

/**
 * Trust anchors from fingerprints per MSP ID (as a connection profile pins them): SHA-256, hex in
 * any case, with or without colons. BAD_TRUST_ANCHORS for none, or one that is not 32 bytes of hex.
 */
export function trustAnchorsFromFingerprints(record: Record<string, string[]>): TrustAnchors {
    const entries = Object.entries(record);
    if (entries.length === 0) {
        throw new EvidenceError('BAD_TRUST_ANCHORS', 'no trust anchors given');
    }
    return new Map(
        entries.map(([mspId, fingerprints]) => {
            const normal = fingerprints.map((text) => text.replaceAll(':', '').toLowerCase());
            if (normal.length === 0 || !normal.every((hex) => FINGERPRINT.test(hex))) {
                throw new EvidenceError(
                    'BAD_TRUST_ANCHORS',
                    `the trust anchors of ${mspId} are not SHA-256 fingerprints (64 hex digits)`,
                );
            }
            return [mspId, new Set(normal)] as const;
        }),
    );
}

/** The root CA fingerprints of a configuration's organisations, to pin what was once verified. */
export function trustAnchorsFromConfig(config: ChannelConfig): TrustAnchors {
    return new Map([...config.msps.values()].map((msp) => [msp.id, new Set(msp.roots.map(fingerprint))] as const));
}

/** Each organisation's root CA certificates as PEM, to write a trust anchor folder with. */
export function anchorPems(config: ChannelConfig): Record<string, string> {
    return Object.fromEntries(
        [...config.msps.values()].map((msp) => [msp.id, msp.roots.map((root) => root.toString()).join('')]),
    );
}

/**
 * The SHA-256 fingerprints of the CA certificates a PEM text holds (a trust anchor file, or an
 * evidence bundle's anchors/ member named `name`). BAD_TRUST_ANCHORS when it holds none, or
 * anything besides CA certificates.
 */
export function caFingerprintsOfPem(text: string, name: string): Set<string> {
    const blocks = [...text.matchAll(PEM_BLOCK)];
    if (blocks.length === 0) {
        throw new EvidenceError('BAD_TRUST_ANCHORS', `the trust anchor ${name} holds no PEM certificate`);
    }
    const outside = text.replace(PEM_BLOCK, '').trim();
    return new Set(
        blocks.map(([pem, label]) => {
            const certificate = label === 'CERTIFICATE' ? parse(pem) : undefined;
            if (certificate?.ca !== true || outside !== '') {
                throw new EvidenceError(
                    'BAD_TRUST_ANCHORS',
                    `the trust anchor ${name} holds something that is not a CA certificate`,
                );
            }
            return fingerprint(certificate);
        }),
    );
}

function parse(pem: string): Certificate | undefined {
    return x509().parse(pem);
}
