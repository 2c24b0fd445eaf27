import { constants, createHash, createSign, createVerify, Hash } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import {
    parsePublicKey,
    PublicKeyInfo,
    RSA_PSS_SALT_LENGTH,
    SM2_DEFAULT_USER_ID,
    sm2PointHex,
    verifySm2Digest,
} from '@sealpact/protocol';
import { PrivateKeyInfo, sm2PrivateScalarHex } from './keys';

/** Incremental signing: feed the message in pieces, then sign once. */
export interface Signer {
    update(chunk: Uint8Array): Signer;
    /** The detached signature: DER SEQUENCE { r, s } for SM2, the RSA-PSS block for RSA. */
    sign(): Buffer;
}

/** Incremental verification: feed the message in pieces, then verify once. */
export interface Verifier {
    update(chunk: Uint8Array): Verifier;
    /** True only for a valid signature; false (never an exception) for malformed bytes. */
    verify(signature: Uint8Array): boolean;
}

/**
 * A signer for `key`: SM2 with SM3 over Z_A || M (default user id 1234567812345678, GB/T 35276),
 * or RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt. Memory use does not grow with the
 * message, so multi-GB files can be signed as streams.
 */
export function createSigner(key: PrivateKeyInfo): Signer {
    if (key.algorithm === 'sm2') {
        const hash = sm2MessageHash(key.publicKey);
        const signer: Signer = {
            update: (chunk) => (hash.update(chunk), signer),
            // sm-crypto-v2 with hash:false signs e as given; k comes from the CSPRNG.
            sign: () =>
                Buffer.from(
                    sm2.doSignature(hash.digest(), sm2PrivateScalarHex(key), { der: true, hash: false }),
                    'hex',
                ),
        };
        return signer;
    }
    const rsa = createSign('sha256');
    const signer: Signer = {
        update: (chunk) => (rsa.update(chunk), signer),
        sign: () => rsa.sign({ key: key.key, ...RSA_PSS_OPTIONS }),
    };
    return signer;
}

/** A verifier for `key` (PEM SPKI or parsed), matching createSigner and the chaincode's verification. */
export function createVerifier(key: string | PublicKeyInfo): Verifier {
    const info = typeof key === 'string' ? parsePublicKey(key) : key;
    if (info.algorithm === 'sm2') {
        const hash = sm2MessageHash(info);
        const verifier: Verifier = {
            update: (chunk) => (hash.update(chunk), verifier),
            verify: (signature) => verifySm2Digest(info, hash.digest(), signature),
        };
        return verifier;
    }
    const rsa = createVerify('sha256');
    const verifier: Verifier = {
        update: (chunk) => (rsa.update(chunk), verifier),
        verify: (signature) => {
            try {
                return rsa.verify({ key: info.pem, ...RSA_PSS_OPTIONS }, signature);
            } catch {
                return false;
            }
        },
    };
    return verifier;
}

/** Sign a whole message held in memory (see createSigner for the algorithms). */
export function signDetached(key: PrivateKeyInfo, message: Uint8Array): Buffer {
    return createSigner(key).update(message).sign();
}

/** Verify a detached signature over a message in memory, with the algorithms the chaincode verifies. */
export function verifyDetached(key: string | PublicKeyInfo, message: Uint8Array, signature: Uint8Array): boolean {
    return createVerifier(key).update(message).verify(signature);
}

/** Sign a stream (e.g. fs.createReadStream) in constant memory. */
export async function signStream(key: PrivateKeyInfo, source: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const signer = createSigner(key);
    for await (const chunk of source) {
        signer.update(chunk);
    }
    return signer.sign();
}

/** Verify a detached signature over a stream in constant memory. */
export async function verifyStream(
    key: string | PublicKeyInfo,
    source: AsyncIterable<Uint8Array>,
    signature: Uint8Array,
): Promise<boolean> {
    const verifier = createVerifier(key);
    for await (const chunk of source) {
        verifier.update(chunk);
    }
    return verifier.verify(signature);
}

const RSA_PSS_OPTIONS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH } as const;

/** SM3 primed with Z_A, so that digest() = e = SM3(Z_A || M) of GM/T 0003.2. */
function sm2MessageHash(key: PublicKeyInfo): Hash {
    return createHash('sm3').update(sm2.getZ(sm2PointHex(key.spki), SM2_DEFAULT_USER_ID));
}
