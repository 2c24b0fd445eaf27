/**
 * The manifest of an evidence bundle (manifest.json): what the bundle is about, the transactions
 * and blocks the file's story rests on, the facts they establish, and the SHA-256 of every other
 * member. parseManifest is strict: a manifest is believed field by field only after the verifier
 * has checked it against the blocks, so anything it does not expect is refused here first.
 */
import { canonicalJson, ContractState, EvidenceError, StoryRole } from '@sealpact/protocol';

export const EVIDENCE_FORMAT = 'sealpact-evidence/v1';

/** The member holding the manifest; every other member is listed in its `members`. */
export const MANIFEST_MEMBER = 'manifest.json';

export type { StoryRole };

/** The roles a story entry may have (GetFileStory's). */
const STORY_ROLES: readonly StoryRole[] = [
    'register-keys',
    'retire-keys',
    'verification',
    'share',
    'grant',
    'revoke',
    'sign',
    'decline',
    'void',
    'expire',
];

export interface StoryTransaction {
    txId: string;
    block: number;
    index: number;
    function: string;
    role: StoryRole;
    party: string;
    at: string;
}

/** What an event of the timeline records. */
export type EventAction = 'shared' | 'granted' | 'revoked' | 'signed' | 'completed' | 'declined' | 'voided' | 'expired';

/** A contract's signing plan and its outcome as the story's last transaction left it. */
export interface ContractFacts {
    planHash: string;
    /** Party ids per step, in order. */
    steps: string[][];
    deadline: string | null;
    /** The recorded state after the story's last transaction that changed the contract. */
    state: ContractState;
    closedAt: string | null;
    closedBy: string | null;
    reason: string | null;
}

export interface EvidenceFacts {
    fileId: string;
    channel: string;
    chaincode: string;
    file: {
        owner: string;
        suite: string;
        digestAlgorithm: string;
        ciphertextDigest: string;
        size: number;
        sharedAt: string;
        txId: string;
        block: number;
    };
    parties: {
        partyId: string;
        roles: ('owner' | 'recipient' | 'signer')[];
        verification: {
            level: string;
            authorityMsp: string;
            serial: string;
            recordedAt: string;
            txId: string;
            block: number;
        } | null;
        keys: {
            fingerprint: string;
            algorithm: string;
            roles: string[];
            registeredAt: string;
            txId: string;
            block: number;
        }[];
    }[];
    events: {
        at: string;
        action: EventAction;
        by: string;
        party: string;
        txId: string;
        block: number;
        detail: string;
    }[];
    signatures: {
        signer: string;
        signedAt: string;
        algorithm: string;
        keyFingerprint: string;
        digestAlgorithm: string;
        plaintextCommitment: string;
        /** Base64. */
        signature: string;
        statementSha256: string;
        txId: string;
        block: number;
    }[];
    /** The contract shared with the file (ShareContract), null for a file shared without a plan. */
    contract: ContractFacts | null;
}

export interface EvidenceManifest {
    format: typeof EVIDENCE_FORMAT;
    channel: string;
    chaincode: string;
    fileId: string;
    exportedAt: string;
    exportedBy: string;
    /** MSP id → SHA-256 fingerprints (lower-case hex) of its CA certificates. */
    trustAnchors: Record<string, string[]>;
    /** The configuration blocks in force for the story's blocks (config/<n>.block). */
    configBlocks: number[];
    blocks: number[];
    headers: { from: number; to: number };
    transactions: StoryTransaction[];
    facts: EvidenceFacts;
    /** Member name → lower-case hex SHA-256, for every member but manifest.json. */
    members: Record<string, string>;
}

/** MSP ids as the bundle names them (anchors/<MSP id>.pem): no path separators, no leading dot. */
const MSP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const MEMBER_NAME =
    /^(?:(?:config|blocks|headers)\/(?:0|[1-9][0-9]{0,19})\.block|anchors\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.pem|certificate\.pdf|story\.endorsed)$/;

/**
 * Whether `name` is a member a v1 bundle may hold besides manifest.json: config/<n>.block,
 * blocks/<n>.block, headers/<n>.block, anchors/<MSP id>.pem, certificate.pdf or story.endorsed. The patterns
 * leave no room for directories, absolute paths or '..'.
 */
export function isMemberName(name: string): boolean {
    return MEMBER_NAME.test(name);
}

/** A bundle-supplied string fit for an error message: printable ASCII, at most 64 characters, quoted. */
export function quoteName(text: string): string {
    const printable = text.replace(/[^\x20-\x7e]/g, '?');
    return `'${printable.length > 64 ? `${printable.slice(0, 64)}...` : printable}'`;
}

/**
 * Parse manifest.json: UTF-8, canonical JSON (sorted keys, no whitespace, so that duplicate keys
 * or another spelling of a number cannot mean one thing here and another to an independent
 * verifier), of a known format version, every field present with its type and no other field.
 */
export function parseManifest(bytes: Uint8Array): EvidenceManifest {
    let text: string;
    let value: unknown;
    try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        value = JSON.parse(text);
    } catch {
        throw new EvidenceError('BAD_BUNDLE', `${MANIFEST_MEMBER} is not valid UTF-8 JSON`);
    }
    const format = isObject(value) ? value.format : undefined;
    if (typeof format !== 'string') {
        throw new EvidenceError('BAD_BUNDLE', `${MANIFEST_MEMBER}: format is missing or not a string`);
    }
    const parse = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
    if (parse === undefined) {
        throw new EvidenceError('BAD_BUNDLE', `unsupported evidence format ${quoteName(format)}`);
    }
    const manifest = parse(value, '');
    if (canonicalJson(value) !== text) {
        throw new EvidenceError('BAD_BUNDLE', `${MANIFEST_MEMBER} is not canonical JSON (sorted keys, no whitespace)`);
    }
    return manifest;
}

// A small schema language, so that each format version reads as its interface does. A check
// returns the value typed, or throws naming the field's path (never its content).

type Check<T> = (value: unknown, path: string) => T;
type Checked<S> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };

function bad(path: string, what: string): never {
    throw new EvidenceError('BAD_BUNDLE', `${MANIFEST_MEMBER}: ${path} ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const string: Check<string> = (value, path) => (typeof value === 'string' ? value : bad(path, 'is not a string'));

const nonEmpty: Check<string> = (value, path) => {
    const text = string(value, path);
    return text !== '' ? text : bad(path, 'is empty');
};

const integer: Check<number> = (value, path) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? value
        : bad(path, 'is not a non-negative integer');

function matching(pattern: RegExp, what: string): Check<string> {
    return (value, path) => {
        const text = string(value, path);
        return pattern.test(text) ? text : bad(path, `is not ${what}`);
    };
}

/** An RFC 3339 time in UTC, as the chaincode (toISOString) and Fabric timestamps give it. */
const time = matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/, 'an RFC 3339 UTC time');

const sha256Hex = matching(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');

function oneOf<const T extends string>(values: readonly T[]): Check<T> {
    return (value, path) =>
        values.includes(value as T) ? (value as T) : bad(path, `is not one of ${values.join(', ')}`);
}

function arrayOf<T>(item: Check<T>): Check<T[]> {
    return (value, path) =>
        Array.isArray(value) ? value.map((element, i) => item(element, `${path}[${i}]`)) : bad(path, 'is not an array');
}

function nullable<T>(check: Check<T>): Check<T | null> {
    return (value, path) => (value === null ? null : check(value, path));
}

/** An object with string keys matching `key` (described as `keyWhat`) and values passing `check`. */
function recordOf<T>(key: RegExp, keyWhat: string, check: Check<T>): Check<Record<string, T>> {
    return (value, path) => {
        if (!isObject(value)) {
            return bad(path, 'is not an object');
        }
        const out: Record<string, T> = {};
        for (const [name, element] of Object.entries(value)) {
            if (!key.test(name)) {
                return bad(path, `has a key that is not ${keyWhat}`);
            }
            out[name] = check(element, `${path}[${quoteName(name)}]`);
        }
        return out;
    };
}

/** An object with exactly the fields of `shape`. */
function objectOf<S extends Record<string, Check<unknown>>>(shape: S): Check<Checked<S>> {
    return (value, path) => {
        if (!isObject(value)) {
            return bad(path || 'the manifest', 'is not an object');
        }
        const unknown = Object.keys(value).find((name) => !Object.hasOwn(shape, name));
        if (unknown !== undefined) {
            bad(path || 'the manifest', `has an unknown field ${quoteName(unknown)}`);
        }
        const out: Record<string, unknown> = {};
        for (const [name, check] of Object.entries(shape)) {
            const field = path === '' ? name : `${path}.${name}`;
            out[name] = Object.hasOwn(value, name) ? check(value[name], field) : bad(field, 'is missing');
        }
        return out as Checked<S>;
    };
}

// Format v1.

const storyTransaction: Check<StoryTransaction> = objectOf({
    txId: nonEmpty,
    block: integer,
    index: integer,
    function: nonEmpty,
    role: oneOf(STORY_ROLES),
    party: nonEmpty,
    at: time,
});

const facts: Check<EvidenceFacts> = objectOf({
    fileId: nonEmpty,
    channel: nonEmpty,
    chaincode: nonEmpty,
    file: objectOf({
        owner: nonEmpty,
        suite: nonEmpty,
        digestAlgorithm: nonEmpty,
        ciphertextDigest: nonEmpty,
        size: integer,
        sharedAt: time,
        txId: nonEmpty,
        block: integer,
    }),
    parties: arrayOf(
        objectOf({
            partyId: nonEmpty,
            roles: arrayOf(oneOf(['owner', 'recipient', 'signer'])),
            verification: nullable(
                objectOf({
                    level: nonEmpty,
                    authorityMsp: nonEmpty,
                    serial: nonEmpty,
                    recordedAt: time,
                    txId: nonEmpty,
                    block: integer,
                }),
            ),
            keys: arrayOf(
                objectOf({
                    fingerprint: nonEmpty,
                    algorithm: nonEmpty,
                    roles: arrayOf(nonEmpty),
                    registeredAt: time,
                    txId: nonEmpty,
                    block: integer,
                }),
            ),
        }),
    ),
    events: arrayOf(
        objectOf({
            at: time,
            action: oneOf<EventAction>([
                'shared',
                'granted',
                'revoked',
                'signed',
                'completed',
                'declined',
                'voided',
                'expired',
            ]),
            by: nonEmpty,
            party: nonEmpty,
            txId: nonEmpty,
            block: integer,
            detail: string,
        }),
    ),
    signatures: arrayOf(
        objectOf({
            signer: nonEmpty,
            signedAt: time,
            algorithm: nonEmpty,
            keyFingerprint: nonEmpty,
            digestAlgorithm: nonEmpty,
            plaintextCommitment: nonEmpty,
            signature: matching(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'base64'),
            statementSha256: sha256Hex,
            txId: nonEmpty,
            block: integer,
        }),
    ),
    contract: nullable(
        objectOf({
            planHash: sha256Hex,
            steps: arrayOf(arrayOf(nonEmpty)),
            deadline: nullable(time),
            state: oneOf<ContractState>(['open', 'completed', 'declined', 'voided', 'expired']),
            closedAt: nullable(time),
            closedBy: nullable(nonEmpty),
            reason: nullable(string),
        }),
    ),
});

const manifestV1: Check<EvidenceManifest> = objectOf({
    format: oneOf<typeof EVIDENCE_FORMAT>([EVIDENCE_FORMAT]),
    channel: nonEmpty,
    chaincode: nonEmpty,
    fileId: nonEmpty,
    exportedAt: time,
    exportedBy: nonEmpty,
    trustAnchors: recordOf(MSP_ID, 'an MSP id', arrayOf(sha256Hex)),
    configBlocks: arrayOf(integer),
    blocks: arrayOf(integer),
    headers: objectOf({ from: integer, to: integer }),
    transactions: arrayOf(storyTransaction),
    facts,
    members: recordOf(MEMBER_NAME, 'a member name', sha256Hex),
});

/**
 * Every format version this client reads, by its `format`. A later version gets a parser of its
 * own here (and EvidenceManifest becomes a union told apart by `format`); the older ones stay,
 * so that bundles already handed out stay readable.
 */
const FORMATS: Readonly<Record<string, Check<EvidenceManifest>>> = { [EVIDENCE_FORMAT]: manifestV1 };
