import fc from 'fast-check';
import { ErrorCode, isSealpactError } from '@sealpact/protocol';

/**
 * Shared pieces of the fuzz suite, the `*.fuzz.test.ts` files of both workspaces (docs/crypto.md,
 * "Fuzz suite"). Under `npm test` each property runs a bounded number of times; `npm run fuzz`
 * sets FUZZ_SECONDS so that each property runs for that long instead, and FUZZ_RUNS sets a count.
 * FUZZ_SEED replays the run fast-check reports with a failure.
 */
const seconds = Number(process.env.FUZZ_SECONDS ?? 0);
const runs = Number(process.env.FUZZ_RUNS ?? 0);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** The jest timeout of one fuzz test: a minute for the bounded run, unbounded (2^31 - 1 ms) for a long one. */
export const FUZZ_TIMEOUT_MS = seconds > 0 || runs > 0 ? 2 ** 31 - 1 : 60_000;

/** fc.assert with this mode's budget; `bounded` is the number of runs under `npm test`. */
export function fuzz<Ts>(property: fc.IAsyncProperty<Ts>, bounded: number): Promise<void>;
export function fuzz<Ts>(property: fc.IProperty<Ts>, bounded: number): void;
export function fuzz<Ts>(property: fc.IRawProperty<Ts>, bounded: number): Promise<void> | void {
    const budget =
        seconds > 0
            ? {
                  numRuns: Number.MAX_SAFE_INTEGER,
                  interruptAfterTimeLimit: seconds * 1000,
                  markInterruptAsFailure: false,
              }
            : { numRuns: runs > 0 ? runs : bounded };
    return fc.assert(property, { ...budget, seed });
}

/**
 * One edit of a byte string, as data so that fast-check prints and shrinks it. Positions are
 * taken modulo the current length, so an edit applies to any input.
 */
type Edit =
    | { flip: number; bit: number }
    | { set: number; value: number }
    | { insert: number; bytes: Uint8Array }
    | { remove: number; count: number }
    | { truncate: number }
    | { append: Uint8Array }
    | { copy: number; to: number; count: number };

const at = fc.nat();
const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ flip: at, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ set: at, value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ insert: at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ remove: at, count: fc.integer({ min: 1, max: 32 }) }),
    fc.record({ truncate: at }),
    fc.record({ append: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
    fc.record({ copy: at, to: at, count: fc.integer({ min: 1, max: 64 }) }),
);

/** `bytes` with `e` applied (a new buffer; `bytes` is not changed). */
function applyEdit(bytes: Buffer, e: Edit): Buffer {
    const n = bytes.length;
    if ('insert' in e) {
        const i = e.insert % (n + 1);
        return Buffer.concat([bytes.subarray(0, i), e.bytes, bytes.subarray(i)]);
    }
    if ('remove' in e) {
        const i = e.remove % (n + 1);
        return Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + e.count)]);
    }
    if ('truncate' in e) {
        return Buffer.from(bytes.subarray(0, e.truncate % (n + 1)));
    }
    if ('append' in e) {
        return Buffer.concat([bytes, e.append]);
    }
    const copy = Buffer.from(bytes);
    if (n === 0) {
        return copy;
    }
    if ('flip' in e) {
        copy.writeUInt8(copy.readUInt8(e.flip % n) ^ (1 << e.bit), e.flip % n);
    } else if ('set' in e) {
        copy[e.set % n] = e.value;
    } else {
        bytes.copy(copy, e.to % n, e.copy % n, (e.copy % n) + e.count);
    }
    return copy;
}

/** `seed` changed by one to four edits; never equal to `seed` itself. */
export function mutationsOf(seed: Uint8Array): fc.Arbitrary<Buffer> {
    const original = Buffer.from(seed);
    return fc
        .array(edit, { minLength: 1, maxLength: 4 })
        .map((edits) => edits.reduce(applyEdit, original))
        .filter((mutated) => !mutated.equals(original));
}

/** `seed` with one bit flipped: small damage that structured parsers often still accept. */
export function bitFlipsOf(seed: Uint8Array): fc.Arbitrary<Buffer> {
    return fc
        .record({ flip: fc.nat({ max: seed.length - 1 }), bit: fc.integer({ min: 0, max: 7 }) })
        .map((e) => applyEdit(Buffer.from(seed), e));
}

/** A string changed the same way, on its UTF-8 bytes (broken sequences decode to U+FFFD). */
export function textMutationsOf(seed: string): fc.Arbitrary<string> {
    return mutationsOf(Buffer.from(seed, 'utf8'))
        .map((bytes) => bytes.toString('utf8'))
        .filter((text) => text !== seed);
}

/** What `attempt` returns when the call threw a proper refusal. */
export const REFUSED = Symbol('refused');

/**
 * Throw (failing the property) unless `err` is a SealpactError with one of `codes` (any code
 * when omitted) and a one-line message. A fuzzed input may break any rule of the parser under
 * test, so a property accepts the parser's documented codes; a test of one input asserts one code.
 */
export function checkRefusal(err: unknown, codes?: readonly ErrorCode[]): void {
    if (!isSealpactError(err)) {
        throw new Error(`not a SealpactError: ${err instanceof Error ? err.stack : String(err)}`);
    }
    if (codes !== undefined && !codes.includes(err.code)) {
        throw new Error(`unexpected code ${err.code}: ${err.message}`);
    }
    if (/[\r\n]/.test(err.message)) {
        throw new Error(`a message of more than one line: ${JSON.stringify(err.message)}`);
    }
}

/** `fn()`'s result, or REFUSED when it threw a refusal that passes {@link checkRefusal}. */
export function attempt<T>(fn: () => T, codes?: readonly ErrorCode[]): T | typeof REFUSED {
    try {
        return fn();
    } catch (err) {
        checkRefusal(err, codes);
        return REFUSED;
    }
}

/** The same for a promise. */
export async function attemptAsync<T>(fn: () => Promise<T>, codes?: readonly ErrorCode[]): Promise<T | typeof REFUSED> {
    try {
        return await fn();
    } catch (err) {
        checkRefusal(err, codes);
        return REFUSED;
    }
}
