import { SealpactError } from './errors';

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order at every level, no whitespace,
 * `undefined` members dropped. Every record the chaincode writes and every event it emits goes
 * through this, so two peers endorsing the same transaction produce the same bytes.
 */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (value !== null && typeof value === 'object') {
        const sorted: Record<string, unknown> = {};
        for (const key of Object.keys(value).sort()) {
            sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
        }
        return sorted;
    }
    return value;
}

/** Parse a JSON transaction argument of at most `maxLength` characters; throws FIELD_TOO_LARGE or BAD_JSON. */
export function parseJsonArgument(text: string, what: string, maxLength: number): unknown {
    if (text.length > maxLength) {
        throw new SealpactError('FIELD_TOO_LARGE', `${what} is longer than ${maxLength} characters`);
    }
    try {
        return JSON.parse(text);
    } catch {
        throw new SealpactError('BAD_JSON', `${what} is not valid JSON`);
    }
}
