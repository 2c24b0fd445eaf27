import { createPublicKey, randomBytes } from 'node:crypto';

// Test support: keys that break the key rule of docs/ledger.md, for the tests of every workspace
// that check the rule holds where keys enter (the parser here, RegisterKeys, sealing in the client).

/**
 * The PEM of an RSA public key that breaks a key rule on purpose: public exponent `e` (default
 * 65537), an even modulus, or a modulus of `bits` bits (default 2048). Built from JWK, so no
 * private key exists; enough to test that such keys are refused.
 */
export function weakRsaPem(change: { e?: bigint; evenModulus?: boolean; bits?: number }): string {
    const modulus = randomBytes((change.bits ?? 2048) / 8);
    modulus.writeUInt8(modulus.readUInt8(0) | 0x80, 0);
    const last = modulus.length - 1;
    const low = modulus.readUInt8(last);
    modulus.writeUInt8(change.evenModulus ? low & 0xfe : low | 1, last);
    const e = (change.e ?? 65537n).toString(16);
    const jwk = {
        kty: 'RSA',
        n: modulus.toString('base64url'),
        e: Buffer.from(e.padStart(e.length + (e.length % 2), '0'), 'hex').toString('base64url'),
    };
    return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}
