import { ErrorCode, isSealpactError } from '@sealpact/protocol';

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
