/**
 * Locators: the names of stored objects, recorded on the ledger.
 *
 * ```
 * locator = kind ":" alg "/" digest        e.g. fs:sha256/9f86d081…0a08  (64 hex digits)
 * kind    = "fs" | "s3"                    the kind of store that holds the object
 * alg     = "sha256-tree" | "sm3-tree"     the ciphertext digest that names it (docs/format.md)
 *         | "sha256" | "sm3"               (version 1, objects stored before the tree digest)
 * digest  = 64 lower-case hex digits       the digest of the object's bytes
 * ```
 *
 * A locator is relative to the store a party has configured (docs/stores.md explains why), and it
 * is parsed strictly — nothing else is accepted, so a locator can never name a path outside the
 * store. Both stores lay objects out under the same relative key, {@link objectKey}.
 */
import { CIPHERTEXT_DIGEST_ALGORITHMS, CiphertextDigestAlgorithm, SealpactError, StoreError } from '@sealpact/protocol';

/** The kinds of store; the scheme of their URIs and of their locators. */
export type StoreKind = 'fs' | 's3';

/** A parsed locator. */
export interface Locator {
    readonly kind: StoreKind;
    readonly digestAlg: CiphertextDigestAlgorithm;
    /** 64 lower-case hex digits. */
    readonly digest: string;
}

/** Every algorithm has 256-bit digests. */
const DIGEST_HEX_LENGTH = 64;
const ALGORITHM = `(${CIPHERTEXT_DIGEST_ALGORITHMS.join('|')})`;
const LOCATOR_PATTERN = new RegExp(`^(fs|s3):${ALGORITHM}/([0-9a-f]{64})$`);
const OBJECT_KEY_PATTERN = new RegExp(`^${ALGORITHM}/([0-9a-f]{2})/([0-9a-f]{64})$`);

/** The locator of the object with this digest in a store of this kind. */
export function formatLocator(kind: StoreKind, digestAlg: CiphertextDigestAlgorithm, digest: string): string {
    return `${kind}:${digestAlg}/${digest}`;
}

/**
 * Parse a locator; with `kind`, also require that it names an object of that kind of store.
 *
 * @throws SealpactError BAD_LOCATOR when it does not follow the grammar, WRONG_STORE when it is
 *         another kind of store's
 */
export function parseLocator(locator: string, kind?: StoreKind): Locator {
    const match = typeof locator === 'string' ? LOCATOR_PATTERN.exec(locator) : null;
    if (match === null) {
        throw new StoreError(
            'BAD_LOCATOR',
            `${describe(locator)} is not a blob locator; expected <fs|s3>:<${CIPHERTEXT_DIGEST_ALGORITHMS.join('|')}>/<${DIGEST_HEX_LENGTH} lower-case hex digits>`,
        );
    }
    // Every group of the pattern takes part in a match, so the defaults are never used.
    const [, kindText = '', digestAlg = '', digest = ''] = match;
    const parsed: Locator = { kind: kindText as StoreKind, digestAlg: digestAlg as CiphertextDigestAlgorithm, digest };
    if (kind !== undefined && parsed.kind !== kind) {
        throw new StoreError(
            'WRONG_STORE',
            `${locator} names an object in an ${parsed.kind} store, but the configured store is ${kind}`,
        );
    }
    return parsed;
}

/** The object's key relative to the store's root: `<alg>/<first two hex digits>/<digest>`. */
export function objectKey(locator: Locator): string {
    return `${locator.digestAlg}/${locator.digest.slice(0, 2)}/${locator.digest}`;
}

/** The inverse of {@link objectKey}: the locator of a key found by listing, or undefined for anything else. */
export function locatorOfKey(kind: StoreKind, key: string): string | undefined {
    const match = OBJECT_KEY_PATTERN.exec(key);
    if (match === null) {
        return undefined;
    }
    // Every group of the pattern takes part in a match, so the defaults are never used.
    const [, digestAlg = '', fanOut = '', digest = ''] = match;
    return digest.startsWith(fanOut) ? formatLocator(kind, digestAlg as CiphertextDigestAlgorithm, digest) : undefined;
}

/** Quote a caller's value for an error message, cut short so garbage cannot flood a log. */
export function describe(value: unknown): string {
    // JSON.stringify returns undefined for undefined, functions and symbols, which its type omits.
    const text = (JSON.stringify(value) as string | undefined) ?? String(value);
    return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** The error for a well-formed locator whose object is not in the store. */
export function blobNotFound(locator: string, storeUri: string): SealpactError {
    return new StoreError('BLOB_NOT_FOUND', `${locator} is not in the store ${storeUri}`);
}
