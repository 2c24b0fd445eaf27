import { DER_OID, DerReader } from './der';
import { ErrorCode, SealpactError } from './errors';
import { EC_PUBLIC_KEY, RSA_ENCRYPTION, SM2_CURVE } from './publickey';

/**
 * The unencrypted PKCS#8 PrivateKeyInfo of a Sealpact private key (docs/crypto.md, section 1), read
 * strictly: which algorithm it is, and for SM2 the private scalar d that sm-crypto-v2 needs. The
 * RSA key inside is left to the platform's RSA (OpenSSL, WebCrypto), which parses it.
 *
 *   PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING privateKey }
 *   RSA: AlgorithmIdentifier { rsaEncryption, NULL }
 *   SM2: AlgorithmIdentifier { id-ecPublicKey, SM2 curve },
 *        privateKey ECPrivateKey ::= SEQUENCE { INTEGER 1, OCTET STRING d (32 bytes), [0] OPTIONAL, [1] OPTIONAL }
 */
export type Pkcs8Key = { algorithm: 'rsa' } | { algorithm: 'sm2'; scalar: Uint8Array };

/**
 * Throws `code` for bytes that are not such DER (the caller says what that means: a damaged file, a
 * wrong passphrase), UNSUPPORTED_KEY for a well-formed key that is neither RSA nor SM2.
 */
export function readPkcs8(der: Uint8Array, code: ErrorCode): Pkcs8Key {
    const outer = new DerReader(der, code, 'PKCS#8 private key');
    const info = outer.sequence();
    outer.end();
    const version = info.integer();
    const algorithmId = info.sequence();
    const algorithm = algorithmId.oid();
    const privateKey = info.octets();
    info.end();
    if (version !== 0n) {
        throw new SealpactError(code, `PKCS#8 private key of version ${version}, not 0`);
    }
    if (algorithm === RSA_ENCRYPTION) {
        algorithmId.null();
        algorithmId.end();
        return { algorithm: 'rsa' };
    }
    const curve = algorithm === EC_PUBLIC_KEY && algorithmId.peek() === DER_OID ? algorithmId.oid() : undefined;
    if (curve !== SM2_CURVE) {
        throw new SealpactError('UNSUPPORTED_KEY', 'the private key is neither RSA nor SM2');
    }
    algorithmId.end();
    const inner = new DerReader(privateKey, code, 'SM2 ECPrivateKey');
    const ecKey = inner.sequence();
    inner.end();
    const ecVersion = ecKey.integer();
    const scalar = ecKey.octets();
    if (ecVersion !== 1n || scalar.length !== 32) {
        throw new SealpactError(code, 'the SM2 private key is not an ECPrivateKey of version 1 with a 32-byte scalar');
    }
    return { algorithm: 'sm2', scalar };
}
