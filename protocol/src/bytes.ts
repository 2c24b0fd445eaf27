/**
 * Byte helpers without Node's Buffer, so the package runs in browsers too. Hex comes from
 * @noble/hashes; base64 is small enough to write out and strict enough to trust.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';

export { bytesToHex, hexToBytes };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map(Array.from(ALPHABET, (c, i) => [c, i]));

/** Standard base64 with padding, as PEM bodies and transaction arguments use it. */
export function bytesToBase64(bytes: Uint8Array): string {
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) {
        // bytes[i] exists (i < length); the next two are missing at the end of an unpadded length.
        const [a = 0, b, c] = [bytes[i], bytes[i + 1], bytes[i + 2]];
        const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
        out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63);
        out += b === undefined ? '=' : ALPHABET.charAt((n >> 6) & 63);
        out += c === undefined ? '=' : ALPHABET.charAt(n & 63);
    }
    return out;
}

/** Decode padded base64; undefined unless `text` is whole quads of the alphabet, padded only at its end. */
export function base64ToBytes(text: string): Uint8Array | undefined {
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
        return undefined;
    }
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    const out = new Uint8Array((text.length / 4) * 3 - padding);
    for (let i = 0, o = 0; i < text.length; i += 4) {
        let n = 0;
        for (let j = 0; j < 4; j++) {
            n = (n << 6) | (VALUES.get(text.charAt(i + j)) ?? 0);
        }
        for (const byte of [n >> 16, (n >> 8) & 255, n & 255]) {
            if (o < out.length) {
                out[o++] = byte;
            }
        }
    }
    return out;
}

/** Whether two byte strings are equal (not constant time: for public data only). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Whether two byte strings are equal, in time that depends only on their lengths: for secrets and MACs. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    let difference = 0;
    for (let i = 0; i < a.length; i++) {
        difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
    }
    return difference === 0;
}
