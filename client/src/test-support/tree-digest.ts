import { createHash } from 'node:crypto';

/**
 * The version 2 ciphertext digest written straight from docs/format.md ("Ciphertext digest"), over
 * a whole byte string in memory: what the streaming implementation must agree with.
 */
export function referenceTreeDigest(hash: 'sha256' | 'sm3', bytes: Buffer): Buffer {
    const segment = 1024 * 1024;
    const count = Math.max(1, Math.ceil(bytes.length / segment));
    const root = createHash(hash).update(Buffer.from([0x01]));
    for (let i = 0; i < count; i++) {
        const data = bytes.subarray(i * segment, (i + 1) * segment);
        const index = Buffer.alloc(8);
        index.writeBigUInt64BE(BigInt(i));
        const length = Buffer.alloc(4);
        length.writeUInt32BE(data.length);
        const last = Buffer.from([i === count - 1 ? 0x01 : 0x00]);
        root.update(
            createHash(hash)
                .update(Buffer.concat([Buffer.from([0x00]), index, length, last, data]))
                .digest(),
        );
    }
    return root.digest();
}
