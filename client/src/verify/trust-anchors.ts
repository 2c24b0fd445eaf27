import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvidenceError } from '@sealpact/protocol';
import type { ChannelConfig } from './channel-config';

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
export function fingerprint(certificate: X509Certificate): string {
    return createHash('sha256').update(certificate.raw).digest('hex');
}

/**
 * Trust anchors from a folder holding one `<MSPID>.pem` per organisation, each with one or more CA
 * certificates (other files are ignored). BAD_TRUST_ANCHORS for a missing folder, one without such
 * files, or a file holding anything but CA certificates.
 */
export function trustAnchorsFromDir(dir: string): TrustAnchors {
    let names: string[];
    try {
        names = readdirSync(dir).filter((name) => name.endsWith('.pem'));
    } catch {
        throw new EvidenceError('BAD_TRUST_ANCHORS', `the trust anchor folder ${dir} cannot be read`);
    }
    if (names.length === 0) {
        throw new EvidenceError('BAD_TRUST_ANCHORS', `the trust anchor folder ${dir} holds no <MSPID>.pem file`);
    }
    return new Map(
        names.map((name) => [name.slice(0, -'.pem'.length), caFingerprints(join(dir, name), name)] as const),
    );
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

function caFingerprints(path: string, name: string): Set<string> {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        throw new EvidenceError('BAD_TRUST_ANCHORS', `the trust anchor ${path} cannot be read`);
    }
    return caFingerprintsOfPem(text, name);
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

function parse(pem: string): X509Certificate | undefined {
    try {
        return new X509Certificate(pem);
    } catch {
        return undefined;
    }
}
