import { createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import * as shared from '@sealpact/protocol';
import { commitmentHash } from '@sealpact/protocol';
import { asBuffer, nodePrimitives } from './node-primitives';

/**
 * The plaintext commitment on Node (docs/crypto.md, "Plaintext commitment"): K by the shared rule
 * of @sealpact/protocol's commitment.ts, the HMAC streamed through node:crypto.
 */

export { COMMITMENT_INFO_PREFIX, COMMITMENT_KEY_BYTES } from '@sealpact/protocol';

/** K for one file (shared deriveCommitmentKey) as a Buffer. The caller zeroes it. */
export function deriveCommitmentKey(password: Buffer, fileId: string, digestAlgorithm: string): Buffer {
    return asBuffer(shared.deriveCommitmentKey(password, fileId, digestAlgorithm, nodePrimitives));
}

/** Hex HMAC of a file or stream under K, read chunk by chunk (constant memory for any size). */
export async function plaintextCommitment(
    key: Buffer,
    input: string | Readable,
    digestAlgorithm: string,
): Promise<string> {
    const hmac = createHmac(commitmentHash(digestAlgorithm), key);
    // Fed by hand rather than piped: a piped Hmac is finalised by the stream, and digest() then returns ''.
    for await (const chunk of typeof input === 'string' ? createReadStream(input) : input) {
        hmac.update(chunk as Buffer);
    }
    return hmac.digest('hex');
}
