import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { freemem } from 'node:os';
import { CryptoError, DigestAlgorithm, FILE_PASSWORD_LENGTH, isDigestAlgorithm } from '@sealpact/protocol';
import { Drawing, KeyPoint, Point, keyPoints } from './drawing';

/**
 * The file password, in the order the patent gives it (docs/password.md): the drawing's key
 * points, the device time and the free memory are laid out as decimal "initial data", hashed to
 * 256 bits by the preset function (SM3 or SHA-256), and that value is mixed by HKDF with 32 bytes
 * from the CSPRNG. The password is therefore never weaker than the CSPRNG; the drawing adds
 * user-contributed entropy but nothing relies on it.
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
 * (milliseconds since 1970, as Date.now()) and freeMemoryBytes (as os.freemem()) likewise.
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
    /** The device's free memory in bytes (os.freemem()). */
    freeMemoryBytes: number;
    /** The preset function that maps the initial data to 256 bits. */
    hash: DigestAlgorithm;
}

export interface DrawingDigest {
    keyPoints: KeyPoint[];
    /** The initial data string; its ASCII bytes are what is hashed. */
    initialData: string;
    /** The 256-bit value: hash(ASCII bytes of initialData). Secret material: never log it. */
    digest: Buffer;
}

/**
 * The pure, deterministic step of the patent: drawing, device time and free memory to a 256-bit
 * value. Same inputs, same output on every platform. Throws BAD_DRAWING, DRAWING_TOO_LARGE or
 * BAD_ARGUMENT.
 */
export function drawingDigest(drawing: Drawing, options: DrawingDigestOptions): DrawingDigest {
    const hash = checkHash(options.hash);
    const points = keyPoints(drawing);
    const data = initialData(points, options.deviceTimeMs, options.freeMemoryBytes);
    const digest = createHash(hash).update(data, 'ascii').digest();
    return { keyPoints: points, initialData: data, digest };
}

function checkBytes(value: unknown, name: string): Buffer {
    if (!(value instanceof Uint8Array) || value.length !== FILE_PASSWORD_LENGTH) {
        throw badArgument(`${name} must be ${FILE_PASSWORD_LENGTH} bytes`);
    }
    return Buffer.from(value);
}

/**
 * The HKDF step: HKDF-<hash>(IKM = random ‖ digest, salt = empty, info = "sealpact/v1/file-password",
 * L = 32). `random` must be 32 bytes from the CSPRNG; it is a parameter only so the step can be
 * checked against known answers. Throws BAD_ARGUMENT.
 */
export function deriveFilePassword(random: Uint8Array, digest: Uint8Array, hash: DigestAlgorithm): Buffer {
    const ikm = Buffer.concat([checkBytes(random, 'random'), checkBytes(digest, 'digest')]);
    return Buffer.from(hkdfSync(checkHash(hash), ikm, Buffer.alloc(0), FILE_PASSWORD_INFO, FILE_PASSWORD_LENGTH));
}

export interface FilePasswordOptions {
    /** The user's drawing; without one the password is 32 CSPRNG bytes alone. */
    drawing?: Drawing;
    /** The preset function for the initial data and for HKDF; default "sm3". */
    hash?: DigestAlgorithm;
    /** Refuse a drawing with fewer key points than this (an integer >= 1); default {@link DEFAULT_MIN_KEY_POINTS}. */
    minKeyPoints?: number;
    /** The device time in ms since 1970; default Date.now (injectable for tests). */
    now?: () => number;
    /** The free memory in bytes; default os.freemem (injectable for tests). */
    freeMemory?: () => number;
}

/**
 * A fresh 32-byte file password. With a drawing: {@link deriveFilePassword} over 32 CSPRNG bytes and
 * the drawing's {@link drawingDigest} at the current device time and free memory. Without one:
 * the 32 CSPRNG bytes themselves (uniform already; a KDF would add nothing). Throws
 * TOO_FEW_KEY_POINTS, BAD_DRAWING, DRAWING_TOO_LARGE or BAD_ARGUMENT; errors never contain the
 * password or the digest.
 */
export function generateFilePassword(options: FilePasswordOptions = {}): Buffer {
    const hash = checkHash(options.hash ?? 'sm3');
    const minKeyPoints = options.minKeyPoints ?? DEFAULT_MIN_KEY_POINTS;
    if (!Number.isSafeInteger(minKeyPoints) || minKeyPoints < 1) {
        throw badArgument('minKeyPoints must be an integer of at least 1');
    }
    if (options.drawing === undefined) {
        return randomBytes(FILE_PASSWORD_LENGTH);
    }
    const { keyPoints: points, digest } = drawingDigest(options.drawing, {
        deviceTimeMs: (options.now ?? Date.now)(),
        freeMemoryBytes: (options.freeMemory ?? freemem)(),
        hash,
    });
    if (points.length < minKeyPoints) {
        throw new CryptoError(
            'TOO_FEW_KEY_POINTS',
            `the drawing has ${points.length} key points; at least ${minKeyPoints} are required — draw a longer or more complex shape`,
        );
    }
    return deriveFilePassword(randomBytes(FILE_PASSWORD_LENGTH), digest, hash);
}
