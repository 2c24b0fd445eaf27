import { freemem } from 'node:os';
import * as shared from '@sealpact/protocol';
import {
    DigestAlgorithm,
    Drawing,
    DrawingDigestOptions,
    FilePasswordOptions as SharedOptions,
} from '@sealpact/protocol';
import { asBuffer, nodePrimitives } from './node-primitives';

/**
 * The file password on Node (docs/password.md): the shared rules of @sealpact/protocol's
 * file-password.ts over node:crypto, with the device time from Date.now and the free memory from
 * os.freemem.
 */

export { DEFAULT_MIN_KEY_POINTS, FILE_PASSWORD_INFO, initialData } from '@sealpact/protocol';

export interface DrawingDigest extends Omit<shared.DrawingDigest, 'digest'> {
    /** The 256-bit value: hash(ASCII bytes of initialData). Secret material: never log it. */
    digest: Buffer;
}

/** The drawing's 256-bit value (shared drawingDigest) as a Buffer. */
export function drawingDigest(drawing: Drawing, options: DrawingDigestOptions): DrawingDigest {
    const result = shared.drawingDigest(drawing, options, nodePrimitives);
    return { ...result, digest: asBuffer(result.digest) };
}

/** The HKDF step of the shared rules, as a Buffer. */
export function deriveFilePassword(random: Uint8Array, digest: Uint8Array, hash: DigestAlgorithm): Buffer {
    return asBuffer(shared.deriveFilePassword(random, digest, hash, nodePrimitives));
}

export interface FilePasswordOptions extends SharedOptions {
    /** The device time in ms since 1970; default Date.now (injectable for tests). */
    now?: () => number;
    /** The free memory in bytes; default os.freemem (injectable for tests). */
    freeMemory?: () => number;
}

/** A fresh 32-byte file password by the shared rules (see @sealpact/protocol generateFilePassword). */
export function generateFilePassword(options: FilePasswordOptions = {}): Buffer {
    const device = { now: options.now ?? Date.now, freeMemory: options.freeMemory ?? freemem };
    return asBuffer(shared.generateFilePassword(options, nodePrimitives, device));
}
