import { createPrivateKey, sign } from 'node:crypto';
import { Hash, hash as hashes, Signer, signers } from '@hyperledger/fabric-gateway';
import { derElement, derUnsigned } from '../verify/der';

/** The group orders of the NIST curves Fabric identities use, by OpenSSL's curve name. */
const CURVE_ORDERS: Readonly<Record<string, bigint>> = {
    prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

/**
 * How the gateway signs for an identity (every proposal, transaction and status request): ECDSA
 * by OpenSSL (node:crypto) over the message with SHA-256, its S made low as Fabric requires,
 * rather than fabric-gateway's own signer, which signs the digest in pure JavaScript at about ten
 * times the CPU (1.3 ms a signature on the benchmark machine; a send signs four times). Keys on
 * other curves, or not EC, keep fabric-gateway's signer and its SHA-256 digest.
 */
export function gatewaySigning(privateKeyPem: string | Buffer): { signer: Signer; hash: Hash } {
    const key = createPrivateKey(privateKeyPem);
    const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
    const order = curve === undefined ? undefined : CURVE_ORDERS[curve];
    if (order === undefined) {
        return { signer: signers.newPrivateKeySigner(key), hash: hashes.sha256 };
    }
    const half = order >> 1n;
    return {
        hash: hashes.none,
        signer: (message) => {
            // IEEE P1363: r and s as two fixed-width big-endian halves.
            const rs = sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
            const width = rs.length / 2;
            const r = BigInt(`0x${rs.subarray(0, width).toString('hex')}`);
            const s = BigInt(`0x${rs.subarray(width).toString('hex')}`);
            const low = s > half ? order - s : s;
            return Promise.resolve(derElement(0x30, Buffer.concat([derUnsigned(r), derUnsigned(low)])));
        },
    };
}
