import { Context } from 'fabric-contract-api';
import { requireAuditor } from './governance';
import { Caller } from './identity';
import { SealpactError } from './lib/errors';
import { KEY_TYPES, stateKey } from './state';
import * as validate from './validate';

/** Key history for auditors. */

/** The record kinds GetHistory accepts, and how their id arguments form the key. */
const HISTORY_KINDS: Record<string, (ctx: Context, id: string, subId: string) => string> = {
    governance: (ctx) => stateKey(ctx, KEY_TYPES.governance),
    party: (ctx, id) => stateKey(ctx, KEY_TYPES.party, validate.partyId(id)),
    key: (ctx, id, subId) => stateKey(ctx, KEY_TYPES.key, validate.partyId(id), validate.hex32(subId, 'fingerprint')),
    file: (ctx, id) => stateKey(ctx, KEY_TYPES.file, validate.fileId(id)),
    credential: (ctx, id, subId) => stateKey(ctx, KEY_TYPES.credential, validate.fileId(id), validate.partyId(subId)),
    signature: (ctx, id, subId) => stateKey(ctx, KEY_TYPES.signature, validate.fileId(id), validate.partyId(subId)),
};

export interface HistoryEntry {
    txId: string;
    timestamp: string;
    isDelete: boolean;
    /** The record as written by the transaction (credential envelopes left out), null for a delete. */
    value: Record<string, unknown> | null;
}

/**
 * Every committed version of one record, newest first, as Fabric's history database keeps it;
 * auditors only. `id` and `subId` name the record: party (partyId), key (partyId, fingerprint),
 * file (fileId), credential and signature (fileId, partyId), governance (no id).
 */
export async function getHistory(
    ctx: Context,
    caller: Caller,
    kind: string,
    id: string,
    subId: string,
): Promise<HistoryEntry[]> {
    await requireAuditor(ctx, caller);
    const keyOf = Object.prototype.hasOwnProperty.call(HISTORY_KINDS, kind) ? HISTORY_KINDS[kind] : undefined;
    if (!keyOf) {
        throw new SealpactError('BAD_ARGUMENT', `kind must be one of ${Object.keys(HISTORY_KINDS).join(', ')}`);
    }
    const entries: HistoryEntry[] = [];
    for await (const modification of ctx.stub.getHistoryForKey(keyOf(ctx, id, subId))) {
        const seconds = Number(modification.timestamp.seconds);
        const millis = Math.floor(modification.timestamp.nanos / 1e6);
        let value: Record<string, unknown> | null = null;
        if (!modification.isDelete) {
            value = JSON.parse(Buffer.from(modification.value).toString('utf8')) as Record<string, unknown>;
            delete value.envelope;
        }
        entries.push({
            txId: modification.txId,
            timestamp: new Date(seconds * 1000 + millis).toISOString(),
            isDelete: modification.isDelete,
            value,
        });
    }
    return entries;
}
