import { ChaincodeError, isSuite, PLAN_LIMITS, Suite } from '@sealpact/protocol';

/** Argument validation. Each function returns the checked value or throws a SealpactError. */

export const LIMITS = {
    fileId: 128,
    locator: 1024,
    envelope: 4096,
    credentials: 64,
    /** Parties a file is ever shared with, besides its owner. */
    recipients: 256,
    credentialsJson: 64 * 1024,
    /** A plan of PLAN_LIMITS.signers party ids of 200 characters, with room for its JSON. */
    planJson: 16 * 1024,
    governanceJson: 8 * 1024,
    mspList: 16,
    serial: 128,
    level: 32,
    statement: 2048,
    signature: 1024,
    bookmark: 1024,
    pageSize: 100,
} as const;

/** Throws FIELD_TOO_LARGE when `value` is longer than `max` characters. */
export function bounded(value: string, what: string, max: number): string {
    if (typeof value !== 'string') {
        throw new ChaincodeError('BAD_ARGUMENT', `${what} must be a string`);
    }
    if (value.length > max) {
        throw new ChaincodeError('FIELD_TOO_LARGE', `${what} is longer than ${max} characters`);
    }
    return value;
}

function matching(value: string, what: string, max: number, pattern: RegExp, rule: string): string {
    bounded(value, what, max);
    if (!pattern.test(value)) {
        throw new ChaincodeError('BAD_ARGUMENT', `${what} must be ${rule}`);
    }
    return value;
}

export function fileId(value: string): string {
    return matching(
        value,
        'file id',
        LIMITS.fileId,
        /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
        'letters, digits and . _ : - starting with a letter or digit',
    );
}

export function partyId(value: string): string {
    return matching(
        value,
        'party id',
        200,
        /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._@+-]*$/,
        '"<MSP ID>/<certificate CN>"',
    );
}

export function mspId(value: string): string {
    return matching(value, 'MSP ID', 64, /^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits and . _ -');
}

/** A 32-byte digest or fingerprint as 64 lowercase hex digits. */
export function hex32(value: string, what: string): string {
    return matching(value, what, 64, /^[0-9a-f]{64}$/, '64 lowercase hex digits');
}

/** Canonical base64 (with padding) of at most `max` characters. */
export function base64(value: string, what: string, max: number): Buffer {
    bounded(value, what, max);
    const bytes = Buffer.from(value, 'base64');
    if (value.length === 0 || bytes.toString('base64') !== value) {
        throw new ChaincodeError('BAD_ARGUMENT', `${what} must be non-empty canonical base64`);
    }
    return bytes;
}

export function suite(value: string): Suite {
    if (!isSuite(value)) {
        throw new ChaincodeError('BAD_ARGUMENT', 'suite must be "gm" or "intl"');
    }
    return value;
}

/** A non-negative decimal integer no larger than 2^53 - 1. */
export function size(value: string): number {
    matching(value, 'size', 16, /^(0|[1-9][0-9]*)$/, 'a non-negative decimal integer');
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
        throw new ChaincodeError('BAD_ARGUMENT', 'size is larger than 2^53 - 1');
    }
    return n;
}

/** An absolute URI (scheme, colon, printable ASCII without spaces). */
export function locator(value: string): string {
    return matching(
        value,
        'locator',
        LIMITS.locator,
        /^[a-z][a-z0-9+.-]*:[\x21-\x7e]+$/,
        'an absolute URI of printable ASCII without spaces',
    );
}

/** A short opaque token: letters, digits and . _ : + / = - */
export function token(value: string, what: string, max: number): string {
    return matching(value, what, max, /^[A-Za-z0-9._:+/=-]+$/, 'letters, digits and . _ : + / = -');
}

/** ISO 8601 UTC time as `YYYY-MM-DDTHH:MM:SSZ` or with milliseconds; returned normalised with milliseconds. */
export function isoTime(value: string, what: string): string {
    matching(value, what, 24, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/, 'an ISO 8601 UTC time');
    const time = new Date(value);
    if (Number.isNaN(time.getTime()) || time.toISOString().slice(0, 19) !== value.slice(0, 19)) {
        throw new ChaincodeError('BAD_ARGUMENT', `${what} is not a valid date`);
    }
    return time.toISOString();
}

/**
 * A contract deadline: an ISO 8601 UTC time after `now` (the transaction's record time) and at most
 * PLAN_LIMITS.deadlineYears calendar years after it (UTC); returned normalised with milliseconds.
 */
export function deadline(value: string, now: string): string {
    const time = isoTime(value, 'deadline');
    const latest = new Date(now);
    latest.setUTCFullYear(latest.getUTCFullYear() + PLAN_LIMITS.deadlineYears);
    if (time <= now || time > latest.toISOString()) {
        throw new ChaincodeError(
            'BAD_ARGUMENT',
            `deadline ${time} must be after the transaction time ${now} and at most ${PLAN_LIMITS.deadlineYears} years after it`,
        );
    }
    return time;
}

/**
 * A decline or void reason: 1 to PLAN_LIMITS.reason characters (code points), not only white
 * space, without control characters (Unicode Cc) or unpaired surrogates.
 */
export function reason(value: string): string {
    // A code point is one or two UTF-16 units: past twice the bound there is no need to count.
    if (value.length > 2 * PLAN_LIMITS.reason || Array.from(value).length > PLAN_LIMITS.reason) {
        throw new ChaincodeError('FIELD_TOO_LARGE', `reason is longer than ${PLAN_LIMITS.reason} characters`);
    }
    if (value.trim() === '') {
        throw new ChaincodeError('BAD_ARGUMENT', 'reason must not be empty or only white space');
    }
    if (/[\p{Cc}\p{Cs}]/u.test(value)) {
        throw new ChaincodeError('BAD_ARGUMENT', 'reason must not hold a control character or an unpaired surrogate');
    }
    return value;
}

export function pageSize(value: string): number {
    matching(value, 'page size', 3, /^[1-9][0-9]*$/, `an integer from 1 to ${LIMITS.pageSize}`);
    const n = Number(value);
    if (n > LIMITS.pageSize) {
        throw new ChaincodeError('BAD_ARGUMENT', `page size must be at most ${LIMITS.pageSize}`);
    }
    return n;
}

/** A JSON array of at most `max` entries. */
export function array(value: unknown, what: string, max: number): unknown[] {
    if (!Array.isArray(value)) {
        throw new ChaincodeError('BAD_JSON', `${what} must be a JSON array`);
    }
    if (value.length > max) {
        throw new ChaincodeError('FIELD_TOO_LARGE', `${what} has more than ${max} entries`);
    }
    return value;
}

/** A JSON object with exactly the given string-valued members. */
export function stringObject<K extends string>(value: unknown, what: string, keys: readonly K[]): Record<K, string> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ChaincodeError('BAD_JSON', `${what} must be a JSON object`);
    }
    const members = Object.keys(value).sort();
    if (members.join(',') !== [...keys].sort().join(',')) {
        throw new ChaincodeError('BAD_JSON', `${what} must have exactly the members ${keys.join(', ')}`);
    }
    for (const key of keys) {
        if (typeof (value as Record<string, unknown>)[key] !== 'string') {
            throw new ChaincodeError('BAD_JSON', `${what}.${key} must be a string`);
        }
    }
    return value as Record<K, string>;
}
