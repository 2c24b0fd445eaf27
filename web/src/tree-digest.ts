import {
    bytesToHex,
    CryptoError,
    CiphertextDigestAlgorithm,
    DIGEST_ROOT_PREFIX,
    DIGEST_SEGMENT_SIZE,
    digestLeafPrefix,
    hashOf,
} from '@sealpact/protocol';
import { browserPrimitives } from './primitives';
import { source } from './buffer-source';

/** Bytes of a leaf input before the segment (docs/format.md, version 2). */
const PREFIX = 14;

/**
 * The tree ciphertext digest (docs/format.md, version 2: sha256-tree, sm3-tree), computed as the
 * bytes pass, holding one 1 MiB segment and 32 bytes per segment hashed: a segment is hashed once
 * a byte after it arrives (then it is not the last) or at the end. SHA-256 segments go through
 * WebCrypto, SM3 ones through the browser primitives (sm-crypto-v2).
 */
export class TreeDigest {
    private readonly hash;
    /** The leaf input being filled: its prefix's room, then the segment. */
    private readonly leaf = new Uint8Array(PREFIX + DIGEST_SEGMENT_SIZE);
    private filled = 0;
    private readonly leaves: Uint8Array[] = [];
    private finished = false;

    constructor(readonly algorithm: CiphertextDigestAlgorithm) {
        if (!algorithm.endsWith('-tree')) throw new RangeError(`${algorithm} is not a tree digest`);
        this.hash = hashOf(algorithm);
    }

    async update(bytes: Uint8Array): Promise<void> {
        let offset = 0;
        while (offset < bytes.length) {
            if (this.filled === DIGEST_SEGMENT_SIZE) await this.hashSegment(false);
            const length = Math.min(DIGEST_SEGMENT_SIZE - this.filled, bytes.length - offset);
            this.leaf.set(bytes.subarray(offset, offset + length), PREFIX + this.filled);
            this.filled += length;
            offset += length;
        }
    }

    /** The digest, 64 lower-case hex digits; the last segment is hashed now. */
    async digest(): Promise<string> {
        if (this.finished) throw new CryptoError('WRONG_STATE', 'the digest is already finished');
        this.finished = true;
        await this.hashSegment(true);
        const root = new Uint8Array(1 + 32 * this.leaves.length);
        root[0] = DIGEST_ROOT_PREFIX;
        this.leaves.forEach((leaf, index) => {
            root.set(leaf, 1 + 32 * index);
        });
        return bytesToHex(await this.digestOf(root));
    }

    private async hashSegment(last: boolean): Promise<void> {
        this.leaf.set(digestLeafPrefix(this.leaves.length, this.filled, last));
        this.leaves.push(await this.digestOf(this.leaf.subarray(0, PREFIX + this.filled)));
        this.filled = 0;
    }

    private async digestOf(bytes: Uint8Array): Promise<Uint8Array> {
        if (this.hash === 'sm3') return browserPrimitives.hash('sm3', bytes);
        return new Uint8Array(await crypto.subtle.digest('SHA-256', source(bytes)));
    }
}

/** The pieces of `pieces`, unchanged, each added to `digest` as it passes. */
export async function* digesting(pieces: AsyncIterable<Uint8Array>, digest: TreeDigest): AsyncGenerator<Uint8Array> {
    for await (const piece of pieces) {
        await digest.update(piece);
        yield piece;
    }
}
