import { sm4 } from 'sm-crypto-v2';

/**
 * SM4 in counter mode (NIST SP 800-38A CTR over the SM4 block cipher), as the gm suite's chunks
 * use it (docs/format.md) and as OpenSSL's `sm4-ctr` computes it: the keystream is sm-crypto-v2's
 * audited SM4 block cipher (ECB, no padding) applied to successive counter blocks, the whole
 * 16-byte block incremented as one big-endian integer. Encryption and decryption are the same.
 */

const BLOCK = 16;

/** `data` XOR the SM4-CTR keystream of `key` (16 bytes) starting at counter block `counter` (16 bytes). */
export function sm4Ctr(key: Uint8Array, counter: Uint8Array, data: Uint8Array): Uint8Array {
    if (key.length !== BLOCK || counter.length !== BLOCK) {
        throw new RangeError('SM4-CTR takes a 16-byte key and a 16-byte counter block');
    }
    const blocks = Math.ceil(data.length / BLOCK);
    const counters = new Uint8Array(blocks * BLOCK);
    const next = Uint8Array.from(counter); // a copy even of a Buffer, whose slice() is a view
    for (let i = 0; i < blocks; i++) {
        counters.set(next, i * BLOCK);
        increment(next);
    }
    const keystream = sm4.encrypt(counters, key, { mode: 'ecb', padding: 'none', output: 'array' });
    for (let i = 0; i < data.length; i++) keystream[i] = (keystream[i] ?? 0) ^ (data[i] ?? 0);
    return keystream.subarray(0, data.length);
}

/** Add one to a block read as a big-endian integer, carrying across all 16 bytes (wrapping at 2^128). */
function increment(block: Uint8Array): void {
    for (let i = block.length - 1; i >= 0; i--) {
        block[i] = ((block[i] ?? 0) + 1) & 0xff;
        if (block[i] !== 0) return;
    }
}
