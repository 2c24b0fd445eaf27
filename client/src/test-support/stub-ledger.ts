import { randomBytes } from 'node:crypto';
import { Metadata, ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import {
    ChaincodeEvent,
    checkpointers,
    CloseableAsyncIterable,
    CommitError,
    CommitStatusError,
    EndorseError,
    GatewayError,
    StatusCode,
} from '@hyperledger/fabric-gateway';
import { StubIdentityName, testIdentities } from '../../../chaincode/src/test-support/fixtures';
import { StubNetwork } from '../../../chaincode/src/test-support/stub-network';
import { ChaincodeEvents, Committed, Ledger } from '../sdk/ledger';
import { ledgerError } from '../sdk/ledger-errors';

/**
 * Proposals waiting for their stub network: it runs one at a time, since it sets the chaincode's
 * process-wide peer clock and environment for each, while the SDK sends several at once.
 */
const queues = new WeakMap<StubNetwork, Promise<unknown>>();

/** A transaction's validation code at commit, as Fabric sets it. */
type ValidationCode = (typeof StatusCode)[keyof typeof StatusCode];

/** How the next submit (or next `times` submits) of a transaction goes wrong after its endorsement. */
type Fault = { kind: 'lost-status' } | { kind: 'invalid'; code: ValidationCode; times: number };

/**
 * One identity's Ledger on the in-process stub network (chaincode/src/test-support/stub-network.ts):
 * real proposals through fabric-shim's ChaincodeStub and fabric-contract-api's dispatch, so the
 * SDK's workflows run against the real chaincode without a Fabric network. A failure is raised as
 * the gateway raises it (a chaincode refusal as Fabric's gateway reports it, a lost commit status,
 * an invalid commit) and goes through the SDK's own ledgerError, so a test sees exactly the
 * SealpactError LedgerConnection would give.
 */
export class StubLedger implements Ledger {
    /** Named in NETWORK_DOWN, TIMEOUT and COMMIT_UNKNOWN messages, as a real peer's endpoint is. */
    readonly endpoint = 'stub-peer:7051';
    /** The transactions read through `read`, in order. */
    readonly verifiedReads: string[] = [];
    private readonly faults = new Map<string, Fault>();
    private readonly streams = new Set<CloseableAsyncIterable<ChaincodeEvent>>();

    constructor(
        readonly network: StubNetwork,
        readonly identity: StubIdentityName,
    ) {}

    /**
     * The next `transaction` commits, but its commit status never comes back (a connection lost
     * after the orderer accepted it): COMMIT_UNKNOWN, as the real-network test provokes with a cut.
     */
    loseCommitStatus(transaction: string): void {
        this.faults.set(transaction, { kind: 'lost-status' });
    }

    /**
     * The next `transaction` (the next `times` of it) is endorsed, then invalidated at commit with a
     * validation `code` (it writes nothing): COMMIT_FAILED.
     */
    invalidateAtCommit(transaction: string, code: ValidationCode, times = 1): void {
        this.faults.set(transaction, { kind: 'invalid', code, times });
    }

    async submit(transaction: string, ...args: string[]): Promise<Committed> {
        const fault = this.faults.get(transaction);
        this.faults.delete(transaction);
        if (fault?.kind === 'invalid' && fault.times > 1) {
            this.faults.set(transaction, { ...fault, times: fault.times - 1 });
        }
        if (fault?.kind === 'invalid') {
            await this.endorse(transaction, () =>
                this.run((network) => network.evaluate(this.identity, transaction, ...args)),
            );
            const txId = randomBytes(32).toString('hex');
            throw ledgerError(
                new CommitError({ code: fault.code, transactionId: txId }),
                'commit',
                transaction,
                this.endpoint,
                txId,
            );
        }
        const committed = await this.endorse(transaction, () =>
            this.run((network) => network.submit(this.identity, transaction, ...args)),
        );
        if (fault?.kind === 'lost-status') {
            const lost = withGrpcStatus(
                CommitStatusError,
                GrpcStatus.UNAVAILABLE,
                'Connection dropped',
                committed.txId,
            );
            throw ledgerError(lost, 'commit', transaction, this.endpoint, committed.txId);
        }
        return committed;
    }

    /**
     * The in-process network has no endorsements to verify (the verifier is tested on real blocks in
     * client/src/verify and on the network in test/verified-reads.test.ts): a read is a query that
     * is logged, so workflow tests can check which reads they relied on.
     */
    async read<T>(transaction: string, ...args: string[]): Promise<T> {
        this.verifiedReads.push(transaction);
        return this.query<T>(transaction, ...args);
    }

    async query<T>(transaction: string, ...args: string[]): Promise<T> {
        let result: string;
        try {
            result = await this.run((network) => network.evaluate(this.identity, transaction, ...args));
        } catch (err) {
            // Fabric's gateway: "evaluate call to endorser returned error: chaincode response 500, CODE: text".
            const refusal = chaincodeResponse(err);
            const error = withGrpcStatus(
                GatewayError,
                GrpcStatus.UNKNOWN,
                `evaluate call to endorser returned error: ${refusal}`,
            );
            error.details.push({ address: this.endpoint, mspId: this.mspId, message: refusal });
            throw ledgerError(error, 'evaluate', transaction, this.endpoint);
        }
        return JSON.parse(result) as T;
    }

    /**
     * The chaincode's events as the gateway delivers them, one block per committed transaction:
     * from the checkpointed block after its checkpointed transaction (fabric-gateway's own file
     * checkpointer), else from the next block; new ones as they commit, until closed.
     */
    async chaincodeEvents(options: { checkpointFile?: string } = {}): Promise<ChaincodeEvents> {
        const checkpointer = options.checkpointFile ? await checkpointers.file(options.checkpointFile) : undefined;
        const start = checkpointer?.getBlockNumber() ?? BigInt(this.network.committed.length + 1);
        const events = this.eventStream(start, checkpointer?.getTransactionId());
        return { events, checkpoint: async (event) => checkpointer?.checkpointChaincodeEvent(event) };
    }

    /** Ends every event stream still open, as closing the gateway connection does. */
    close(): void {
        for (const stream of this.streams) {
            stream.close();
        }
    }

    /** The gateway peer's organisation: the identity's own. */
    private get mspId(): string {
        return testIdentities()[this.identity].mspId;
    }

    /** Run `proposal` on the stub network once the proposals before it finished. */
    private run<T>(proposal: (network: StubNetwork) => Promise<T>): Promise<T> {
        const result = (queues.get(this.network) ?? Promise.resolve()).then(() => proposal(this.network));
        queues.set(
            this.network,
            result.catch(() => undefined),
        );
        return result;
    }

    /** Run the endorsement; a refusal is raised as Fabric's gateway raises it from Endorse. */
    private async endorse<T>(transaction: string, run: () => Promise<T>): Promise<T> {
        try {
            return await run();
        } catch (err) {
            const error = withGrpcStatus(
                EndorseError,
                GrpcStatus.ABORTED,
                'failed to endorse transaction, see attached details for more info',
                '',
            );
            error.details.push({ address: this.endpoint, mspId: this.mspId, message: chaincodeResponse(err) });
            throw ledgerError(error, 'endorse', transaction, this.endpoint);
        }
    }

    private eventStream(start: bigint, afterTxId: string | undefined): CloseableAsyncIterable<ChaincodeEvent> {
        const { network } = this;
        let closed = false;
        const stream: CloseableAsyncIterable<ChaincodeEvent> = {
            async *[Symbol.asyncIterator]() {
                for (let block = start; !closed;) {
                    const tx = network.committed[Number(block) - 1];
                    if (tx === undefined) {
                        await new Promise((resolve) => setTimeout(resolve, 5));
                        continue;
                    }
                    const event = network.events.find((e) => e.txId === tx.txId);
                    const delivered = block === start && tx.txId === afterTxId;
                    if (event && !delivered) {
                        yield {
                            blockNumber: block,
                            transactionId: tx.txId,
                            chaincodeName: network.chaincode,
                            eventName: event.name,
                            payload: Buffer.from(event.payload, 'utf8'),
                        };
                    }
                    block += 1n;
                }
            },
            close: () => {
                closed = true;
                this.streams.delete(stream);
            },
            [Symbol.dispose]: () => {
                stream.close();
            },
        };
        this.streams.add(stream);
        return stream;
    }
}

/** What a peer's proposal response says of a refusal: "chaincode response 500, CODE: text". */
function chaincodeResponse(err: unknown): string {
    return `chaincode response 500, ${(err as Error).message}`;
}

/** A fabric-gateway error built as the library builds it from a gRPC status. */
function withGrpcStatus<E>(
    ErrorClass: new (options: {
        code: number;
        details: [];
        cause: ServiceError;
        message: string;
        transactionId: string;
    }) => E,
    code: GrpcStatus,
    text: string,
    transactionId = '',
): E {
    const message = `${code} ${GrpcStatus[code]}: ${text}`;
    const cause = Object.assign(new Error(message), { code, details: text, metadata: new Metadata() });
    return new ErrorClass({ code, details: [], cause, message, transactionId });
}
