/**
 * What the Fabric checks of this folder need from their platform and nothing else: X.509 parsing,
 * ECDSA P-256 verification and SHA-256. Node gives them with node:crypto (the SDK,
 * client/src/verify/node-x509.ts); the browser with pkijs and @noble/curves (web/src/x509.ts). The
 * checks themselves (chains, roles, policies, blocks, endorsements) are the same code on both.
 */

/** An X.509 certificate as the checks read it (Node's X509Certificate has this shape). */
export interface Certificate {
    /** The DER encoding. */
    readonly raw: Uint8Array;
    /** Whether its basic constraints say it is a CA. */
    readonly ca: boolean;
    /** The subject as Node prints it: one `KEY=value` line per attribute (`CN=…`, `OU=…`). */
    readonly subject: string;
    /** The PEM encoding. */
    toString(): string;
}

export interface X509Platform {
    /** The certificate in PEM (text or its bytes) or DER, or undefined when it does not parse. */
    parse(certificate: string | Uint8Array): Certificate | undefined;
    /** Whether `ca` issued `certificate`: its issuer names `ca`'s subject and `ca`'s key signed it. */
    issuedBy(certificate: Certificate, ca: Certificate): boolean;
    /** Whether `certificate`'s key is ECDSA P-256. */
    isP256(certificate: Certificate): boolean;
    /** Whether (r, s) is an ECDSA P-256 / SHA-256 signature of `data` by `certificate`'s key. */
    verifies(certificate: Certificate, data: Uint8Array, r: bigint, s: bigint): boolean;
    sha256(data: Uint8Array): Uint8Array;
}

let current: X509Platform | undefined;

/** Set the platform the checks use; each side does so once, before its first check. */
export function useX509Platform(platform: X509Platform): void {
    current = platform;
}

export function x509(): X509Platform {
    if (current === undefined) {
        throw new Error('no X.509 platform: call useX509Platform first');
    }
    return current;
}

/** The parts, concatenated (@noble/hashes', which the rest of protocol already uses). */
export { concatBytes as concat } from '@noble/hashes/utils';

// Node and browsers have it; the ES2022 library this package compiles against does not declare it.
declare const TextDecoder: new () => { decode(bytes: Uint8Array): string };
const decoder = new TextDecoder();

/** UTF-8 bytes as text. */
export function text(bytes: Uint8Array): string {
    return decoder.decode(bytes);
}
