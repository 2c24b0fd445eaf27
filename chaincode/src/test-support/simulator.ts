import { ledger, peer } from '@hyperledger/fabric-protos';
import { HistoryQueryIterator, StateQueryIterator } from 'fabric-shim/lib/iterators';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { WorldState, WriteSet } from './world-state';

/** Results per QueryResponse batch, as the peer's `maxResultLimit`. */
const BATCH_SIZE = 100;

/**
 * The peer side of one transaction simulation, in place of fabric-shim's gRPC handler: the real
 * ChaincodeStub calls these methods. Semantics follow a Fabric peer with LevelDB:
 * - reads see committed state only, never the transaction's own writes;
 * - writes are buffered (last write per key wins) and applied only if the transaction commits;
 * - range and partial-composite-key queries run over committed state in key order, in batches;
 * - a paginated query starts at the bookmark (inclusive) and returns as bookmark the next key,
 *   or "" at the end; paginated queries and writes cannot be mixed in one transaction;
 * - key history lists committed modifications newest first;
 * - rich queries, private data and chaincode-to-chaincode calls are not available.
 */
export class TransactionSimulator {
    readonly writes: WriteSet = new Map();
    private paginated = false;
    private readonly pending = new Map<string, Buffer[]>();
    private nextIteratorId = 0;

    constructor(
        private readonly state: WorldState,
        private readonly channelId: string,
        private readonly txId: string,
    ) {}

    // The handler's methods are asynchronous as fabric-shim's own are (a refusal is a rejected
    // promise, never a synchronous throw), though this one answers from memory without awaiting.
    /* eslint-disable @typescript-eslint/require-await */
    async handleGetState(collection: string, key: string): Promise<Buffer> {
        this.publicOnly(collection);
        return this.state.get(key) ?? Buffer.alloc(0);
    }

    async handlePutState(collection: string, key: string, value: Uint8Array): Promise<Buffer> {
        this.publicOnly(collection);
        this.checkWrite(key);
        this.writes.set(key, Buffer.from(value));
        return Buffer.alloc(0);
    }

    async handleDeleteState(collection: string, key: string): Promise<Buffer> {
        this.publicOnly(collection);
        this.checkWrite(key);
        this.writes.set(key, null);
        return Buffer.alloc(0);
    }

    async handleGetStateByRange(
        collection: string,
        startKey: string,
        endKey: string,
        _channelId: string,
        _txId: string,
        metadata?: Uint8Array,
    ) {
        this.publicOnly(collection);
        if (!metadata) {
            const results = this.state.range(startKey, endKey).map(([key, value]) => kvBytes(key, value));
            return { iterator: this.stateIterator(results) };
        }
        if (this.writes.size > 0) {
            throw new Error(
                `txid [${this.txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`,
            );
        }
        this.paginated = true;
        const query = peer.QueryMetadata.deserializeBinary(metadata);
        const matches = this.state.range(query.getBookmark() || startKey, endKey);
        const page = matches.slice(0, query.getPagesize());
        const next = matches[page.length];
        const bookmark = next === undefined ? '' : next[0];
        const iterator = this.stateIterator(page.map(([key, value]) => kvBytes(key, value)));
        // As fabric-shim's handler: the peer's QueryResponseMetadata of an empty last page has only
        // default values, so it travels as empty bytes and the shim leaves `metadata` out.
        if (page.length === 0 && bookmark === '') return { iterator };
        return { iterator, metadata: { bookmark, fetchedRecordsCount: page.length } };
    }

    async handleQueryStateNext(id: string): Promise<peer.QueryResponse> {
        return this.nextBatch(id);
    }

    async handleQueryStateClose(id: string): Promise<peer.QueryResponse> {
        this.pending.delete(id);
        const response = new peer.QueryResponse();
        response.setId(id);
        return response;
    }

    async handleGetHistoryForKey(key: string): Promise<HistoryQueryIterator> {
        const results = this.state.historyOf(key).map((modification) => {
            const timestamp = new Timestamp();
            timestamp.setSeconds(Math.floor(modification.timestamp / 1000));
            timestamp.setNanos((modification.timestamp % 1000) * 1e6);
            const entry = new ledger.queryresult.KeyModification();
            entry.setTxId(modification.txId);
            entry.setValue(modification.value ?? Buffer.alloc(0));
            entry.setTimestamp(timestamp);
            entry.setIsDelete(modification.value === null);
            return Buffer.from(entry.serializeBinary());
        });
        return new HistoryQueryIterator(this, this.channelId, this.txId, this.firstBatch(results));
    }

    async handleGetQueryResult(): Promise<never> {
        throw new Error('ExecuteQuery not supported for leveldb');
    }
    /* eslint-enable @typescript-eslint/require-await */

    private stateIterator(results: Buffer[]): StateQueryIterator {
        return new StateQueryIterator(this, this.channelId, this.txId, this.firstBatch(results));
    }

    private firstBatch(results: Buffer[]): peer.QueryResponse {
        const id = String(this.nextIteratorId++);
        this.pending.set(id, results);
        return this.nextBatch(id);
    }

    private nextBatch(id: string): peer.QueryResponse {
        const remaining = this.pending.get(id) ?? [];
        const batch = remaining.splice(0, BATCH_SIZE);
        const response = new peer.QueryResponse();
        response.setId(id);
        response.setHasMore(remaining.length > 0);
        response.setResultsList(
            batch.map((bytes) => {
                const result = new peer.QueryResultBytes();
                result.setResultbytes(bytes);
                return result;
            }),
        );
        return response;
    }

    private checkWrite(key: string): void {
        if (key === '') {
            throw new Error('key must not be an empty string');
        }
        if (this.paginated) {
            throw new Error(
                `txid [${this.txId}]: unsuppored transaction. Queries with pagination are not supported in a read-write transaction`,
            );
        }
    }

    private publicOnly(collection: string): void {
        if (collection !== '') {
            throw new Error('private data collections are not available on the test peer');
        }
    }
}

function kvBytes(key: string, value: Buffer): Buffer {
    const kv = new ledger.queryresult.KV();
    kv.setKey(key);
    kv.setValue(value);
    return Buffer.from(kv.serializeBinary());
}
