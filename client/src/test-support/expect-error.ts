import { ErrorCode, isSealpactError, SealpactError } from '@sealpact/protocol';

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
