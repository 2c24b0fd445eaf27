import { p256 } from '@noble/curves/nist';
import { base64ToBytes, WebError } from '@sealpact/protocol';
import { source } from './buffer-source';

/**
 * The user's Fabric identity in the browser: its certificate and its P-256 private key, imported
 * into WebCrypto as a non-extractable key. It signs what Fabric needs signed (proposals,
 * transactions, commit requests, event requests, the gateway sign-in) as low-S DER ECDSA:
 * WebCrypto returns raw r‖s with either S, and Fabric's MSP refuses high S.
 */
export interface FabricIdentity {
    readonly mspId: string;
    /** PEM. */
    readonly certificate: string;
    sign(message: Uint8Array): Promise<Uint8Array>;
}

/** The DER body of the first PEM block of `type` in `text`. */
export function pemBody(text: string, type: string): Uint8Array | undefined {
    const match = new RegExp(`-----BEGIN ${type}-----([A-Za-z0-9+/=\\s]+)-----END ${type}-----`).exec(text);
    return match?.[1] === undefined ? undefined : base64ToBytes(match[1].replace(/\s+/g, ''));
}

/** Import an identity from its certificate and PKCS#8 private key (PEM); BAD_IDENTITY when they do not fit. */
export async function fabricIdentity(
    mspId: string,
    certificate: string,
    privateKeyPem: string,
): Promise<FabricIdentity> {
    const pkcs8 = pemBody(privateKeyPem, 'PRIVATE KEY');
    if (pemBody(certificate, 'CERTIFICATE') === undefined || pkcs8 === undefined) {
        throw new WebError('BAD_IDENTITY', 'the identity needs a PEM certificate and a PEM PKCS#8 private key');
    }
    let key: CryptoKey;
    try {
        key = await crypto.subtle.importKey('pkcs8', source(pkcs8), { name: 'ECDSA', namedCurve: 'P-256' }, false, [
            'sign',
        ]);
    } catch {
        throw new WebError('BAD_IDENTITY', 'the private key is not a P-256 PKCS#8 key');
    }
    return {
        mspId,
        certificate,
        async sign(message) {
            const raw = new Uint8Array(
                await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, source(message)),
            );
            const signature = p256.Signature.fromBytes(raw, 'compact');
            // S and n − S both verify; Fabric takes only the lower one.
            const low = signature.hasHighS()
                ? new p256.Signature(signature.r, p256.Point.Fn.ORDER - signature.s)
                : signature;
            return low.toBytes('der');
        },
    };
}
