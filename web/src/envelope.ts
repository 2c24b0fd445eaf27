import { PublicKeyInfo, sm2Seal } from '@sealpact/protocol';
import { source } from './buffer-source';

/**
 * Seal a file password to a recipient's key (docs/crypto.md, section 2): SM2 by the code the SDK
 * shares (sm-crypto-v2), RSA-OAEP with SHA-256, MGF1-SHA-256 and an empty label by WebCrypto,
 * the parameters of every RSA envelope. The key's rule (size, exponent) was checked when it was
 * parsed (parsePublicKey), as the SDK checks it.
 */
export async function sealEnvelope(key: PublicKeyInfo, password: Uint8Array): Promise<Uint8Array> {
    if (key.algorithm === 'sm2') {
        return sm2Seal(key, password);
    }
    const rsa = await crypto.subtle.importKey('spki', source(key.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, [
        'encrypt',
    ]);
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, rsa, source(password)));
}
