// Test support for every workspace: read what a test expects to be there without a `!`.

/** `value`, failing the test with a plain message when it is undefined or null. */
export function defined<T>(value: T | null | undefined, what = 'the value'): T {
    if (value === undefined || value === null) {
        throw new Error(`${what} is ${String(value)}`);
    }
    return value;
}
