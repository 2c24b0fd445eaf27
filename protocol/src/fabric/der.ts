import { hexToBytes } from '../bytes';
import { concat } from './platform';

/**
 * The DER encoding of the two ASN.1 structures the verifier writes: Fabric's block header
 * (blocks.ts) and, in tests, ECDSA signatures. der.ts in this package's root has the matching strict reader.
 */

/** A DER element: tag, definite length in its shortest form, contents. */
export function derElement(tag: number, contents: Uint8Array): Uint8Array {
    const length = contents.length;
    if (length < 0x80) {
        return concat(Uint8Array.of(tag, length), contents);
    }
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
        bytes.unshift(rest % 256);
    }
    return concat(Uint8Array.of(tag, 0x80 | bytes.length, ...bytes), contents);
}

/** A non-negative INTEGER, minimally encoded (a leading zero byte only before a set first bit). */
export function derUnsigned(value: bigint): Uint8Array {
    const hex = value.toString(16);
    const magnitude = hexToBytes(hex.length % 2 === 0 ? hex : `0${hex}`);
    const first = magnitude[0] ?? 0;
    return derElement(0x02, first >= 0x80 ? concat(Uint8Array.of(0), magnitude) : magnitude);
}
