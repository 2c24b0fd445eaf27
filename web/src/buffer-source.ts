/**
 * WebCrypto's typings take views of an ArrayBuffer, not of a SharedArrayBuffer. This page is not
 * cross-origin isolated, so it has no SharedArrayBuffer at all: every Uint8Array here is backed by
 * an ArrayBuffer, and this only says so to the compiler.
 */
export function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
    return bytes as Uint8Array<ArrayBuffer>;
}
