/**
 * One error type for every refusal in Sealpact, on the ledger and in the client.
 * `code` is stable and meant for programs; `message` is for people and never holds a secret.
 */
export class SealpactError extends Error {
    constructor(
        readonly code: string,
        message: string,
    ) {
        super(`${code}: ${message}`);
        this.name = 'SealpactError';
    }
}

/** Narrow an unknown thrown value to a SealpactError with the given code (for tests and callers). */
export function isSealpactError(err: unknown, code?: string): err is SealpactError {
    return err instanceof SealpactError && (code === undefined || err.code === code);
}
