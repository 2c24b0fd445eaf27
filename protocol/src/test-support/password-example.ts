import { DigestAlgorithm } from '../suites';

// The known answers of docs/password.md, shared by every implementation's tests (the Node SDK's,
// the browser's, the browser's drawing pad).

// An L, a long diagonal crossing the L's vertical arm at (60, 33 + 7 * 60/99 = 37.24) -> (60, 37),
// and a V. 3 + 2 + 3 + 1 = 9 key points.
export const KAT_STROKES = [
    [
        { x: 10, y: 10 },
        { x: 60, y: 10 },
        { x: 60, y: 60 },
    ],
    [
        { x: 0, y: 33 },
        { x: 99, y: 40 },
    ],
    [
        { x: 70, y: 5 },
        { x: 80, y: 30 },
        { x: 90, y: 5 },
    ],
];
export const KAT_DRAWING = { width: 100, height: 100, strokes: KAT_STROKES };
export const KAT_TIME = 1_700_000_000_000;
export const KAT_MEMORY = 8_589_934_592;
export const KAT_INITIAL_DATA = '10,10;60,10;60,60;0,33;99,40;70,5;80,30;90,5;60,37|1700000000000|8589934592';
// Pinned once with `printf '%s' "$KAT_INITIAL_DATA" | openssl dgst -sm3` (and -sha256).
export const KAT_DIGEST: Record<DigestAlgorithm, string> = {
    sm3: 'b70ae291b263e9730ece426b6670d972dfd3b39f94e3e5cab7250e677318f35e',
    sha256: '2c7e638784569cb4922fb1f2d1c22a914aa0a296fa12fc1d07bde1bcf39ef0b4',
};
// The HKDF step with random = 00 01 .. 1f, pinned once with
// `openssl kdf -keylen 32 -kdfopt digest:SM3 -kdfopt hexkey:<random><digest>
//  -kdfopt info:sealpact/v1/file-password HKDF` (and digest:SHA256).
export const KAT_RANDOM = Uint8Array.from({ length: 32 }, (_, i) => i);
export const KAT_PASSWORD: Record<DigestAlgorithm, string> = {
    sm3: 'b2baab7a21ab507dd47588d6b217cb3e07599d3ab8a2cc2c918d0e102b9bd6f8',
    sha256: '52e6ba0b8c8ebc16b538e80f88a6e405ab3725c894948afb70f1f0fdda5a5222',
};
