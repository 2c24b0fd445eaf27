import { utf8ToBytes } from '@noble/hashes/utils';
import { Drawing, KeyPoint, Point, keyPoints } from './drawing';
import { CryptoError } from './errors';
import { Primitives } from './primitives';
import { DigestAlgorithm, FILE_PASSWORD_LENGTH, isDigestAlgorithm } from './suites';

/**
 * The file password, in the order the patent gives it (docs/password.md): the drawing's key
 * points, the device time and the free memory are laid out as decimal "initial data", hashed to
 * 256 bits by the preset function (SM3 or SHA-256), and that value is mixed by HKDF with 32 bytes
 * from the CSPRNG. The password is therefore never weaker than the CSPRNG; the drawing adds
 * user-contributed entropy but nothing relies on it. Shared by the Node SDK and the browser, each
 * passing its own primitives and device readings.
 */

/** HKDF info of the file password; the salt is empty (RFC 5869 then uses HashLen zero bytes). */
export const FILE_PASSWORD_INFO = 'sealpact/v1/file-password';
/** Fewer key points than this is a near-trivial shape (a line, an L, a cross) that many people draw alike. */
export const DEFAULT_MIN_KEY_POINTS = 8;

function badArgument(message: string): CryptoError {
    return new CryptoError('BAD_ARGUMENT', message);
}

// Messages name the option, never its value: device time and free memory are password material.
function checkHash(hash: unknown): DigestAlgorithm {
    if (!isDigestAlgorithm(hash)) {
        throw badArgument('hash must be "sm3" or "sha256"');
    }
    return hash;
}

/** A count or instant written in decimal: a non-negative safe integer, so String() never uses an exponent. */
function checkCounter(value: unknown, name: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw badArgument(`${name} must be a non-negative integer`);
    }
    return value;
}

/**
 * The patent's initial data as an exact ASCII string:
 * `x1,y1;x2,y2;...;xn,yn|<deviceTimeMs>|<freeMemoryBytes>`, every number in plain decimal
 * (no sign, no leading zeros, no exponent). Example: `10,10;60,10;60,60|1700000000000|8589934592`.
 * Key points must be non-negative safe integers, as {@link keyPoints} returns them; deviceTimeMs
 * (milliseconds since 1970, as Date.now()) and freeMemoryBytes likewise.
 * Throws BAD_DRAWING for a bad key point and BAD_ARGUMENT for a bad time or memory.
 */
export function initialData(points: ReadonlyArray<Point>, deviceTimeMs: number, freeMemoryBytes: number): string {
    const laidOut = points.map((p, i) => {
        for (const v of [p.x, p.y]) {
            if (!Number.isSafeInteger(v) || v < 0) {
                throw new CryptoError('BAD_DRAWING', `key point ${i} must have non-negative integer coordinates`);
            }
        }
        return `${p.x},${p.y}`;
    });
    const time = checkCounter(deviceTimeMs, 'deviceTimeMs');
    const memory = checkCounter(freeMemoryBytes, 'freeMemoryBytes');
    return `${laidOut.join(';')}|${time}|${memory}`;
}

export interface DrawingDigestOptions {
    /** The device time in milliseconds since 1970 (Date.now()). */
    deviceTimeMs: number;
    /** The device's free memory in bytes. */
    freeMemoryBytes: number;
    /** The preset function that maps the initial data to 256 bits. */
    hash: DigestAlgorithm;
}

export interface DrawingDigest {
    keyPoints: KeyPoint[];
    /** The initial data string; its ASCII bytes are what is hashed. */
    initialData: string;
    /** The 256-bit value: hash(ASCII bytes of initialData). Secret material: never log it. */
    digest: Uint8Array;
}

/**
 * The pure, deterministic step of the patent: drawing, device time and free memory to a 256-bit
 * value. Same inputs, same output on every platform. Throws BAD_DRAWING, DRAWING_TOO_LARGE or
 * BAD_ARGUMENT.
 */
export function drawingDigest(drawing: Drawing, options: DrawingDigestOptions, primitives: Primitives): DrawingDigest {
    const hash = checkHash(options.hash);
    const points = keyPoints(drawing);
    const data = initialData(points, options.deviceTimeMs, options.freeMemoryBytes);
    // The initial data is pure ASCII, so its UTF-8 bytes are its ASCII bytes.
    return { keyPoints: points, initialData: data, digest: primitives.hash(hash, utf8ToBytes(data)) };
}

function checkBytes(value: unknown, name: string): Uint8Array {
    if (!(value instanceof Uint8Array) || value.length !== FILE_PASSWORD_LENGTH) {
        throw badArgument(`${name} must be ${FILE_PASSWORD_LENGTH} bytes`);
    }
    return value;
}

/**
 * The HKDF step: HKDF-<hash>(IKM = random ‖ digest, salt = empty, info = "sealpact/v1/file-password",
 * L = 32). `random` must be 32 bytes from the CSPRNG; it is a parameter only so the step can be
 * checked against known answers. Throws BAD_ARGUMENT.
 */
export function deriveFilePassword(
    random: Uint8Array,
    digest: Uint8Array,
    hash: DigestAlgorithm,
    primitives: Primitives,
): Uint8Array {
    const ikm = new Uint8Array(2 * FILE_PASSWORD_LENGTH);
    ikm.set(checkBytes(random, 'random'));
    ikm.set(checkBytes(digest, 'digest'), FILE_PASSWORD_LENGTH);
    const algorithm = checkHash(hash);
    try {
        return primitives.hkdf(
            algorithm,
            ikm,
            new Uint8Array(0),
            utf8ToBytes(FILE_PASSWORD_INFO),
            FILE_PASSWORD_LENGTH,
        );
    } finally {
        ikm.fill(0);
    }
}

export interface FilePasswordOptions {
    /** The user's drawing; without one the password is 32 CSPRNG bytes alone. */
    drawing?: Drawing;
    /** The preset function for the initial data and for HKDF; default "sm3". */
    hash?: DigestAlgorithm;
    /** Refuse a drawing with fewer key points than this (an integer >= 1); default {@link DEFAULT_MIN_KEY_POINTS}. */
    minKeyPoints?: number;
}

/** What the device tells the password: the time and its free memory, read when the password is made. */
export interface DeviceReadings {
    /** Milliseconds since 1970 (Date.now). */
    now(): number;
    /** Free memory in bytes, as the platform can tell it. */
    freeMemory(): number;
}

/**
 * A fresh 32-byte file password. With a drawing: {@link deriveFilePassword} over 32 CSPRNG bytes and
 * the drawing's {@link drawingDigest} at the current device time and free memory. Without one:
 * the 32 CSPRNG bytes themselves (uniform already; a KDF would add nothing). Throws
 * TOO_FEW_KEY_POINTS, BAD_DRAWING, DRAWING_TOO_LARGE or BAD_ARGUMENT; errors never contain the
 * password or the digest.
 */
export function generateFilePassword(
    options: FilePasswordOptions,
    primitives: Primitives,
    device: DeviceReadings,
): Uint8Array {
    const hash = checkHash(options.hash ?? 'sm3');
    const minKeyPoints = options.minKeyPoints ?? DEFAULT_MIN_KEY_POINTS;
    if (!Number.isSafeInteger(minKeyPoints) || minKeyPoints < 1) {
        throw badArgument('minKeyPoints must be an integer of at least 1');
    }
    if (options.drawing === undefined) {
        return primitives.randomBytes(FILE_PASSWORD_LENGTH);
    }
    const { keyPoints: points, digest } = drawingDigest(
        options.drawing,
        { deviceTimeMs: device.now(), freeMemoryBytes: device.freeMemory(), hash },
        primitives,
    );
    if (points.length < minKeyPoints) {
        throw new CryptoError(
            'TOO_FEW_KEY_POINTS',
            `the drawing has ${points.length} key points; at least ${minKeyPoints} are required — draw a longer or more complex shape`,
        );
    }
    const random = primitives.randomBytes(FILE_PASSWORD_LENGTH);
    try {
        return deriveFilePassword(random, digest, hash, primitives);
    } finally {
        random.fill(0);
        digest.fill(0);
    }
}
