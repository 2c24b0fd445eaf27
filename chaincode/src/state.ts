import { Context } from 'fabric-contract-api';
import { canonicalJson } from '@sealpact/protocol';

/**
 * The world-state key layout. Every key is a Fabric composite key (objectType plus attributes);
 * docs/ledger.md lists them. Values are canonical JSON.
 */
export const KEY_TYPES = {
    governance: 'governance',
    party: 'party',
    key: 'key',
    file: 'file',
    credential: 'credential',
    signature: 'signature',
    inbox: 'inbox',
    sent: 'sent',
    contract: 'contract',
    awaiting: 'awaiting',
    started: 'started',
} as const;

export type KeyType = (typeof KEY_TYPES)[keyof typeof KEY_TYPES];

export function stateKey(ctx: Context, type: KeyType, ...attributes: string[]): string {
    return ctx.stub.createCompositeKey(type, attributes);
}

/** Read and parse a record; undefined when the key has no value in the committed state. */
export async function readRecord<T>(ctx: Context, key: string): Promise<T | undefined> {
    const bytes = await ctx.stub.getState(key);
    if (bytes.length === 0) {
        return undefined;
    }
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export async function writeRecord(ctx: Context, key: string, record: unknown): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(canonicalJson(record), 'utf8'));
}

/** Every record under a partial composite key, in key order. */
export async function readAll<T>(ctx: Context, type: KeyType, ...attributes: string[]): Promise<T[]> {
    const records: T[] = [];
    for await (const kv of ctx.stub.getStateByPartialCompositeKey(type, attributes)) {
        records.push(JSON.parse(Buffer.from(kv.value).toString('utf8')) as T);
    }
    return records;
}

/**
 * The transaction's timestamp as ISO 8601 UTC. The client chooses it; every endorsing peer refuses
 * one further than the allowed skew from its own clock (see clock.ts).
 */
export function txTime(ctx: Context): string {
    return ctx.stub.getDateTimestamp().toISOString();
}

/**
 * The time to stamp on a record: the transaction time, but never before `notBefore` (the times of
 * the records it follows), so record times never go backwards for the same file or party even
 * when a client's clock lags within the allowed skew.
 */
export function recordTime(ctx: Context, ...notBefore: (string | null | undefined)[]): string {
    return notBefore.reduce<string>((latest, time) => (time && time > latest ? time : latest), txTime(ctx));
}
