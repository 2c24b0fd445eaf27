import './quiet-logs';
import { createHash } from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { JSONSerializer } from 'fabric-contract-api';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract';
import ChaincodeStub from 'fabric-shim/lib/stub';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { setPeerClock } from '../clock';
import { BOOTSTRAP_VARIABLE } from '../governance';
import { contracts } from '../index';
import { StubIdentityName, TestIdentity, testIdentities } from './fixtures';
import { Ledger, TxResult } from './ledger';
import { GOVERNANCE } from './scenarios';
import { TransactionSimulator } from './simulator';
import { WorldState, WriteSet } from './world-state';

/** A chaincode event delivered with a committed transaction. */
export interface CommittedEvent {
    txId: string;
    name: string;
    payload: string;
}

/** A committed transaction as the test peer applied it. */
export interface CommittedTx {
    txId: string;
    transaction: string;
    writes: WriteSet;
}

export interface StubNetworkOptions {
    channel?: string;
    chaincode?: string;
    /** The peer clock at the first transaction; it moves one second per transaction. */
    start?: Date;
    /**
     * The chaincode server's environment while it runs a transaction; unset variables are removed.
     * Default: SEALPACT_GOVERNANCE = the scenarios' GOVERNANCE, CLOCK_SKEW unset (300 s).
     */
    env?: Record<string, string | undefined>;
    /** Seed of the proposal nonces (and so of the transaction ids); the same seed gives the same ids. */
    seed?: string;
    /** Contract classes to run instead of Sealpact's (for tests of the test peer itself). */
    contracts?: unknown[];
}

/**
 * An in-memory Fabric channel with one LevelDB-like peer running the Sealpact chaincode. Each call
 * builds a real proposal (creator = the identity's X.509 certificate, nonce, channel header with
 * tx id and timestamp, chaincode name in the header extension), sets the chaincode's peer clock
 * (clock.ts) and server environment to the test peer's own, hands the proposal to fabric-shim's real
 * ChaincodeStub and the real fabric-contract-api dispatch, simulates it against committed state
 * (see TransactionSimulator) and, for `submit`, commits the write set and the transaction's single
 * chaincode event (the last SetEvent, as Fabric keeps) only when the chaincode succeeded.
 * Transaction ids are SHA-256(nonce || creator), as Fabric computes them.
 */
export class StubNetwork implements Ledger {
    readonly channel: string;
    readonly chaincode: string;
    readonly state = new WorldState();
    readonly events: CommittedEvent[] = [];
    readonly committed: CommittedTx[] = [];
    private readonly identities = testIdentities();
    private readonly chaincodeImpl: ChaincodeFromContract;
    private readonly seed: string;
    private readonly env: Record<string, string | undefined>;
    private clock: number;
    private counter = 0;

    constructor(options: StubNetworkOptions = {}) {
        this.channel = options.channel ?? 'contracts';
        this.chaincode = options.chaincode ?? 'sealpact';
        this.clock = (options.start ?? new Date('2025-01-01T00:00:00.000Z')).getTime();
        this.seed = options.seed ?? 'sealpact';
        this.env = options.env ?? { [BOOTSTRAP_VARIABLE]: JSON.stringify(GOVERNANCE), CLOCK_SKEW: undefined };
        this.chaincodeImpl = newChaincode(options.contracts ?? contracts);
    }

    /** Move the peer clock forward. */
    advanceClock(milliseconds: number): void {
        this.clock += milliseconds;
    }

    /** The peer clock at the next transaction: the timestamp a client with an exact clock gives it. */
    nextTimestamp(): Date {
        return new Date(this.clock);
    }

    async submit(identity: StubIdentityName, transaction: string, ...args: string[]): Promise<TxResult> {
        return this.submitAt(0, identity, transaction, args);
    }

    async evaluate(identity: StubIdentityName, transaction: string, ...args: string[]): Promise<string> {
        return (await this.execute(0, identity, transaction, args)).payload;
    }

    /** This ledger as a client sees it whose clock is `offsetMs` off the peer's: its proposals carry that time. */
    clientClockOff(offsetMs: number): Ledger {
        return {
            channel: this.channel,
            chaincode: this.chaincode,
            submit: (identity, transaction, ...args) => this.submitAt(offsetMs, identity, transaction, args),
            evaluate: async (identity, transaction, ...args) =>
                (await this.execute(offsetMs, identity, transaction, args)).payload,
        };
    }

    private async submitAt(
        offsetMs: number,
        identity: StubIdentityName,
        transaction: string,
        args: string[],
    ): Promise<TxResult> {
        const { simulator, txId, timestamp, payload, event } = await this.execute(
            offsetMs,
            identity,
            transaction,
            args,
        );
        this.state.commit(txId, timestamp, simulator.writes);
        this.committed.push({ txId, transaction, writes: simulator.writes });
        if (event) {
            this.events.push({ txId, ...event });
        }
        return { payload, txId };
    }

    private async execute(offsetMs: number, identity: StubIdentityName, transaction: string, args: string[]) {
        const peerTime = this.clock;
        const timestamp = peerTime + offsetMs;
        this.clock += 1000;
        const nonce = createHash('sha256').update(`${this.seed}/${this.counter++}`).digest().subarray(0, 24);
        const creator = serializedIdentity(this.identities[identity]);
        const txId = createHash('sha256')
            .update(Buffer.concat([nonce, creator]))
            .digest('hex');
        const input = new peer.ChaincodeInput();
        input.setArgsList([transaction, ...args].map((arg) => Buffer.from(arg, 'utf8')));
        const proposal = signedProposal(this.channel, this.chaincode, txId, timestamp, nonce, creator, input);

        const simulator = new TransactionSimulator(this.state, this.channel, txId);
        const stub = new ChaincodeStub(simulator, this.channel, txId, input, proposal);
        const response = await this.asPeer(peerTime, () => this.chaincodeImpl.Invoke(stub));
        if (response.status !== 200) {
            throw new Error(response.message ?? `transaction ${transaction} failed with status ${response.status}`);
        }
        const chaincodeEvent = stub.chaincodeEvent;
        const event = chaincodeEvent && {
            name: chaincodeEvent.getEventName(),
            payload: Buffer.from(chaincodeEvent.getPayload_asU8()).toString('utf8'),
        };
        return {
            simulator,
            txId,
            timestamp,
            payload: Buffer.from(response.payload ?? []).toString('utf8'),
            event,
        };
    }

    /** Run `invoke` with the chaincode's peer clock at `peerTime` and this peer's server environment. */
    private async asPeer<T>(peerTime: number, invoke: () => Promise<T>): Promise<T> {
        const saved = Object.fromEntries(Object.keys(this.env).map((name) => [name, process.env[name]]));
        const previousClock = setPeerClock(() => peerTime);
        setEnv(this.env);
        try {
            return await invoke();
        } finally {
            setEnv(saved);
            setPeerClock(previousClock);
        }
    }
}

function setEnv(values: Record<string, string | undefined>): void {
    for (const [name, value] of Object.entries(values)) {
        if (value === undefined) {
            Reflect.deleteProperty(process.env, name);
        } else {
            process.env[name] = value;
        }
    }
}

function newChaincode(contractClasses: unknown[]): ChaincodeFromContract {
    const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
    return new ChaincodeFromContract([...contractClasses], serializers, {}, 'sealpact', '0.1.0');
}

function serializedIdentity(identity: TestIdentity): Buffer {
    const serialized = new msp.SerializedIdentity();
    serialized.setMspid(identity.mspId);
    serialized.setIdBytes(Buffer.from(identity.certificate, 'utf8'));
    return Buffer.from(serialized.serializeBinary());
}

/** A SignedProposal as @hyperledger/fabric-gateway builds it (the signature is not checked here). */
function signedProposal(
    channel: string,
    chaincode: string,
    txId: string,
    timestamp: number,
    nonce: Buffer,
    creator: Buffer,
    input: peer.ChaincodeInput,
): peer.SignedProposal {
    const chaincodeId = new peer.ChaincodeID();
    chaincodeId.setName(chaincode);
    const extension = new peer.ChaincodeHeaderExtension();
    extension.setChaincodeId(chaincodeId);

    const time = new Timestamp();
    time.setSeconds(Math.floor(timestamp / 1000));
    time.setNanos((timestamp % 1000) * 1e6);
    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
    channelHeader.setTxId(txId);
    channelHeader.setTimestamp(time);
    channelHeader.setChannelId(channel);
    channelHeader.setExtension$(extension.serializeBinary());
    channelHeader.setEpoch(0);

    const signatureHeader = new common.SignatureHeader();
    signatureHeader.setCreator(creator);
    signatureHeader.setNonce(nonce);
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    header.setSignatureHeader(signatureHeader.serializeBinary());

    const spec = new peer.ChaincodeSpec();
    spec.setType(peer.ChaincodeSpec.Type.NODE);
    spec.setChaincodeId(chaincodeId);
    spec.setInput(input);
    const invocation = new peer.ChaincodeInvocationSpec();
    invocation.setChaincodeSpec(spec);
    const payload = new peer.ChaincodeProposalPayload();
    payload.setInput(invocation.serializeBinary());

    const proposal = new peer.Proposal();
    proposal.setHeader(header.serializeBinary());
    proposal.setPayload(payload.serializeBinary());
    const signed = new peer.SignedProposal();
    signed.setProposalBytes(proposal.serializeBinary());
    return signed;
}
