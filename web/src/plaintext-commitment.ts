import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { DigestAlgorithm } from '@sealpact/protocol';
import { blobPieces } from './byte-reader';
import { browserPrimitives } from './primitives';

/**
 * The keyed commitment's HMAC over an opened file's plaintext, a Blob. HMAC-SHA256 is computed
 * slice by slice; sm-crypto-v2 has no incremental SM3, so signing a gm file reads its plaintext
 * whole into the page (docs/web.md, what is not built yet).
 */
export async function plaintextCommitment(
    hash: DigestAlgorithm,
    key: Uint8Array,
    plaintext: Blob,
): Promise<Uint8Array> {
    if (hash === 'sm3') return browserPrimitives.hmac('sm3', key, new Uint8Array(await plaintext.arrayBuffer()));
    const mac = hmac.create(sha256, key);
    for await (const piece of blobPieces(plaintext)) mac.update(piece);
    return mac.digest();
}
