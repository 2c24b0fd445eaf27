import { DerReader } from '../der';
import { Certificate, x509 } from './platform';

/** The order n of P-256. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * Why `signature` is not an ECDSA P-256 / SHA-256 signature of `data` by `certificate`'s key, or
 * undefined when it is. Fabric signs with P-256 keys and only accepts low-S signatures (s ≤ n/2:
 * bccsp refuses the high-S twin n − s of a valid signature, which would verify mathematically), in
 * strict DER; so does this.
 */
export function signatureProblem(
    certificate: Certificate,
    data: Uint8Array,
    signature: Uint8Array,
): string | undefined {
    const platform = x509();
    if (!platform.isP256(certificate)) {
        return 'the certificate key is not ECDSA P-256';
    }
    let r: bigint;
    let s: bigint;
    try {
        const outer = new DerReader(signature, 'BAD_SIGNATURE', 'the signature');
        const sequence = outer.sequence();
        r = sequence.integer();
        s = sequence.integer();
        sequence.end();
        outer.end();
    } catch {
        return 'the signature is not a DER ECDSA signature';
    }
    if (r === 0n || r >= P256_N || s === 0n || s >= P256_N) {
        return 'the signature is out of range';
    }
    if (s > P256_N / 2n) {
        return 'the signature is high-S (Fabric accepts only low-S signatures)';
    }
    return platform.verifies(certificate, data, r, s) ? undefined : 'the signature does not verify';
}
