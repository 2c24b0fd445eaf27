/**
 * The committed ledger of the test peer: world state and key history, as a LevelDB-backed Fabric
 * peer keeps them. Keys sort by their UTF-8 bytes, as in LevelDB.
 */

export interface KeyModification {
    txId: string;
    /** Milliseconds since the epoch: the transaction's timestamp. */
    timestamp: number;
    /** Null for a delete. */
    value: Buffer | null;
}

/** A committed transaction's writes: key to new value, null for a delete. */
export type WriteSet = Map<string, Buffer | null>;

export class WorldState {
    private readonly values = new Map<string, Buffer>();
    private readonly history = new Map<string, KeyModification[]>();
    private sortedKeys: string[] | undefined;

    get(key: string): Buffer | undefined {
        return this.values.get(key);
    }

    /** Keys with committed values in [startKey, endKey) (endKey "" means no end), in LevelDB order. */
    range(startKey: string, endKey: string): [string, Buffer][] {
        this.sortedKeys ??= [...this.values.keys()].sort(compareUtf8);
        const start = Buffer.from(startKey, 'utf8');
        const end = Buffer.from(endKey, 'utf8');
        return this.sortedKeys
            .filter((key) => {
                const bytes = Buffer.from(key, 'utf8');
                return Buffer.compare(bytes, start) >= 0 && (endKey === '' || Buffer.compare(bytes, end) < 0);
            })
            .map((key) => [key, this.values.get(key) as Buffer]);
    }

    /** The key's modifications, newest first (Fabric 2.x history order). */
    historyOf(key: string): KeyModification[] {
        return [...(this.history.get(key) ?? [])].reverse();
    }

    /** Apply a valid transaction's writes and record them in the key history. */
    commit(txId: string, timestamp: number, writes: WriteSet): void {
        for (const [key, value] of writes) {
            if (value === null) {
                this.values.delete(key);
            } else {
                this.values.set(key, value);
            }
            const modifications = this.history.get(key) ?? [];
            modifications.push({ txId, timestamp, value });
            this.history.set(key, modifications);
        }
        this.sortedKeys = undefined;
    }
}

function compareUtf8(a: string, b: string): number {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
