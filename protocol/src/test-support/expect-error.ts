import { ErrorCode, isSealpactError, SealpactError } from '../index';

/** Run `fn` and check it throws a SealpactError with this code and a message matching `message`. */
export function expectError(fn: () => unknown, code: ErrorCode, message: string | RegExp): void {
    let thrown: unknown;
    try {
        fn();
    } catch (err) {
        thrown = err;
    }
    expect(isSealpactError(thrown, code)).toBe(true);
    expect((thrown as Error).message).toMatch(message);
}

/**
 * Await `promise` and check it rejects with a SealpactError with this code and a message matching
 * `message`; returns the error for further checks.
 */
export async function expectRejection(
    promise: Promise<unknown>,
    code: ErrorCode,
    message: string | RegExp,
): Promise<SealpactError> {
    const thrown = await promise.then(
        () => undefined,
        (err: unknown) => err,
    );
    expect(thrown).toBeInstanceOf(SealpactError);
    expect((thrown as SealpactError).code).toBe(code);
    expect((thrown as Error).message).toMatch(message);
    return thrown as SealpactError;
}

/**
 * What `fn()` did, to compare with what a test vector expects in one assertion: the value it
 * returned, the code of the SealpactError it threw, or anything else it threw.
 */
export type Outcome<T> = { returned: T } | { code: ErrorCode } | { threw: unknown };

export function outcomeOf<T>(fn: () => T): Outcome<T> {
    try {
        return { returned: fn() };
    } catch (err) {
        return isSealpactError(err) ? { code: err.code } : { threw: err };
    }
}
