import { ErrorCode } from '@sealpact/protocol';

/**
 * What a refusal's message must match: exactly `code` ("CODE: text" on the wire), and in its text
 * the words of the one rule that refused (`rule`, a fragment no other refusal of that transaction
 * shares). A code alone is not enough: with the rule deleted, another check of the same
 * transaction may refuse with the same code, and the test would still pass.
 */
export function refused(code: ErrorCode, rule: string): RegExp {
    return new RegExp(`^${code}: .*${rule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}
