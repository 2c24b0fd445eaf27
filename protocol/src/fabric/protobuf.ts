import { EvidenceError } from '../errors';

/**
 * The few helpers every decoder of this folder shares over @hyperledger/fabric-protos' classes
 * (google-protobuf): decoding with failures as BAD_PROTOBUF, required sub-messages, and typed views
 * of what the package's typings leave as `any` (maps and timestamps come from google-protobuf,
 * which ships no typings).
 */

/** Decode `bytes` as `type`; BAD_PROTOBUF names `what` when they do not decode. */
export function decode<T>(type: { deserializeBinary(bytes: Uint8Array): T }, bytes: Uint8Array, what: string): T {
    try {
        return type.deserializeBinary(bytes);
    } catch {
        throw new EvidenceError('BAD_PROTOBUF', `${what} does not decode`);
    }
}

/** A sub-message that must be present; BAD_PROTOBUF names `what` when it is not. */
export function required<T>(value: T | undefined, what: string): T {
    if (value === undefined) {
        throw new EvidenceError('BAD_PROTOBUF', `${what} is missing`);
    }
    return value;
}

/** The part of google-protobuf's Map read here. */
export interface ProtoMap<V> {
    get(key: string): V | undefined;
    entries(): IterableIterator<[string, V]>;
}

/** A map field (`getFooMap()`), typed. */
export function protoMap<V>(map: unknown): ProtoMap<V> {
    return map as ProtoMap<V>;
}

/** A google.protobuf.Timestamp as an ISO 8601 string (millisecond precision). */
export function isoTime(timestamp: unknown, what: string): string {
    const time = required(timestamp as { getSeconds(): number; getNanos(): number } | undefined, what);
    return new Date(time.getSeconds() * 1000 + Math.floor(time.getNanos() / 1e6)).toISOString();
}
