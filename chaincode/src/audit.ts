import { Context } from 'fabric-contract-api';
import { requireAuditor } from './governance';
import { Caller } from './identity';
import { ChaincodeError, Page } from '@sealpact/protocol';
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
    contract: (ctx, id) => stateKey(ctx, KEY_TYPES.contract, validate.fileId(id)),
};

export interface HistoryEntry {
    txId: string;
    timestamp: string;
    isDelete: boolean;
    /** The record as written by the transaction (credential envelopes left out), null for a delete. */
    value: Record<string, unknown> | null;
}

/**
 * One page of the committed versions of one record, newest first, as Fabric's history database
 * keeps it; auditors only. `id` and `subId` name the record: party (partyId), key (partyId,
 * fingerprint), file and contract (fileId), credential and signature (fileId, partyId), governance (no id).
 * `pageSizeArg` is 1..100; `bookmarkArg` is "" for the newest entries, then the bookmark returned:
 * the transaction id of the previous page's last (oldest) entry, so pages stay put while newer
 * versions are written. The returned bookmark is "" after the oldest entry.
 */
export async function getHistory(
    ctx: Context,
    caller: Caller,
    args: { kind: string; id: string; subId: string; pageSize: string; bookmark: string },
): Promise<Page<HistoryEntry>> {
    await requireAuditor(ctx, caller);
    const { kind } = args;
    const keyOf = Object.prototype.hasOwnProperty.call(HISTORY_KINDS, kind) ? HISTORY_KINDS[kind] : undefined;
    if (!keyOf) {
        throw new ChaincodeError('BAD_ARGUMENT', `kind must be one of ${Object.keys(HISTORY_KINDS).join(', ')}`);
    }
    const key = keyOf(ctx, args.id, args.subId);
    const pageSize = validate.pageSize(args.pageSize);
    const after = args.bookmark === '' ? undefined : validate.hex32(args.bookmark, 'bookmark');
    // Fabric's history query cannot start in the middle: skip up to the bookmarked entry.
    let skipping = after !== undefined;
    let bookmark = '';
    const entries: HistoryEntry[] = [];
    for await (const modification of ctx.stub.getHistoryForKey(key)) {
        if (skipping) {
            skipping = modification.txId !== after;
            continue;
        }
        const last = entries.at(-1);
        if (last !== undefined && entries.length === pageSize) {
            bookmark = last.txId; // a full page, and more follow it
            break;
        }
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
    if (skipping) {
        throw new ChaincodeError('BAD_ARGUMENT', "the bookmark is not a transaction in this record's history");
    }
    return { items: entries, bookmark };
}
