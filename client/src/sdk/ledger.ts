import * as grpc from '@grpc/grpc-js';
import {
    ChaincodeEvent,
    checkpointers,
    CloseableAsyncIterable,
    connect,
    Contract,
    Gateway,
    Network,
    Proposal,
    Status,
    Transaction,
} from '@hyperledger/fabric-gateway';
import { ConnectionProfile, IdentitySource, readPem, resolveIdentity, ResolvedIdentity } from './profile';
import { ClientError, EvidenceError, LedgerError } from '@sealpact/protocol';
import { ChannelConfig, EndorsementPolicy } from '../verify/channel-config';
import { TrustAnchors, trustAnchorsFromDir, trustAnchorsFromFingerprints } from '../verify/trust-anchors';
import { commitStatus } from './commit-status';
import { commitFailed, endorsersMayCatchUp, ledgerError, Stage } from './ledger-errors';
import { gatewaySigning } from './gateway-signer';
import { ChannelBlocks, verifiedResult } from './verified-read';
import { CommitClock } from './commit-clock';

/** A peer a block behind catches up within a block time (BatchTimeout, 100 ms here). */
const ENDORSE_ATTEMPTS = 3;
const ENDORSE_RETRY_MS = 300;

/** The outcome of a committed transaction. */
export interface Committed {
    /** The transaction's return value (canonical JSON for every Sealpact transaction). */
    payload: string;
    txId: string;
}

/** A transaction the orderer accepted, whose commit status is not known yet. */
export interface Submitted {
    transaction: string;
    txId: string;
}

/** Deadlines per stage, in milliseconds. */
export interface Deadlines {
    evaluate: number;
    endorse: number;
    submit: number;
    commit: number;
    /** Without a commit status this long after a submit, submit the same signed transaction again. */
    resubmit: number;
    /** How long to wait for the gateway peer to hold the newest block of a shared CommitClock. */
    catchUp: number;
}

/** How a LedgerConnection behaves beyond its profile and identity. */
export interface LedgerOptions {
    /** Per-stage deadlines in milliseconds; default DEFAULT_DEADLINES. */
    deadlines?: Partial<Deadlines>;
    /** The channel's trust anchors; default: the profile's `trustAnchors`. */
    trustAnchors?: TrustAnchors;
    /** Shared with the sessions whose writes this one acts on (see CommitClock). */
    clock?: CommitClock;
}

/** A stream of the chaincode's events, and how to record that one was handled (for a restart). */
export interface ChaincodeEvents {
    events: CloseableAsyncIterable<ChaincodeEvent>;
    /** A function, not a method: it is called apart from this object. */
    checkpoint: (event: ChaincodeEvent) => Promise<void>;
}

/**
 * What the SDK's workflows need from the ledger: LedgerConnection on a Fabric network, an adapter
 * over the in-process stub network in unit tests. Every failure is a SealpactError, mapped as
 * ledger-errors.ts maps a gateway's (a refusal keeps the chaincode's code; COMMIT_UNKNOWN when a
 * submitted transaction may still commit).
 */
export interface Ledger {
    /** Endorse, submit and wait for the commit; resolves only once the transaction committed valid. */
    submit(transaction: string, ...args: string[]): Promise<Committed>;
    /** Evaluate on the gateway peer alone, without committing, and parse the canonical JSON result. */
    query<T>(transaction: string, ...args: string[]): Promise<T>;
    /**
     * A read no single peer can forge: endorsed by the organisations the chaincode's endorsement
     * policy needs, never submitted, and believed only once every endorsement verifies against the
     * channel's pinned trust anchors (UNVERIFIED_READ otherwise). For every read that decides where a
     * secret goes or what a receiver trusts.
     */
    read<T>(transaction: string, ...args: string[]): Promise<T>;
    /** The chaincode's events, resuming after the last one checkpointed in `checkpointFile`. */
    chaincodeEvents(options?: { checkpointFile?: string }): Promise<ChaincodeEvents>;
    close(): void;
}

/**
 * Bounded so that a hung gateway peer costs seconds, and longer than the gateway's own timeouts so
 * that it, not the deadline, answers a hung endorser or orderer with details (docs/sdk.md,
 * docs/operations.md#a-hung-peer): an evaluation is the gateway peer's alone (tens of ms); an
 * endorsement waits at most 500 ms (gateway.endorsementTimeout) per endorser that does not answer,
 * a few in a row at worst; submit tries up to three orderers, 3 s each (gateway.broadcastTimeout);
 * commit waits for the block, through a Raft leader election if need be, resubmitting every 5 s
 * (a commit takes under a second here; a transaction the dying leader held never commits).
 */
const DEFAULT_DEADLINES: Deadlines = {
    evaluate: 5_000,
    endorse: 10_000,
    submit: 15_000,
    commit: 60_000,
    resubmit: 5_000,
    catchUp: 10_000,
};

/** How often to ask the gateway peer for its height while it catches up with a CommitClock. */
const CATCH_UP_POLL_MS = 25;

/**
 * One identity's connection to the Sealpact chaincode through its organisation's gateway peer
 * (gRPC with TLS; transactions signed with the identity's private key). The gateway collects the
 * endorsements the chaincode's policy needs from other organisations' peers by discovery.
 */
export class LedgerConnection implements Ledger {
    readonly identity: ResolvedIdentity;
    readonly network: Network;
    readonly contract: Contract;
    private readonly client: grpc.Client;
    private readonly gateway: Gateway;
    private readonly limits: Deadlines;
    readonly blocks: ChannelBlocks;
    private readonly submittedListeners = new Set<(submitted: Submitted) => void>();
    private channelConfig?: Promise<ChannelConfig>;
    private readonly anchors: TrustAnchors | undefined;
    private readonly clock: CommitClock;
    /** The newest block the gateway peer is known to hold (heights only grow). */
    private peerHolds = -1;

    constructor(
        readonly profile: ConnectionProfile,
        identitySource: IdentitySource,
        options: LedgerOptions = {},
    ) {
        this.identity = resolveIdentity(profile, identitySource);
        this.anchors = options.trustAnchors ?? anchorsOf(profile);
        this.clock = options.clock ?? new CommitClock();
        const { org, mspId, certificate, privateKey } = this.identity;
        const limits = (this.limits = { ...DEFAULT_DEADLINES, ...options.deadlines });
        this.client = new grpc.Client(
            org.peer.endpoint,
            grpc.credentials.createSsl(readPem(org.peer.tlsCACert, 'the peer TLS CA certificate')),
            org.peer.hostnameOverride ? { 'grpc.ssl_target_name_override': org.peer.hostnameOverride } : {},
        );
        this.gateway = connect({
            client: this.client,
            identity: { mspId, credentials: certificate },
            ...gatewaySigning(privateKey),
            evaluateOptions: () => ({ deadline: Date.now() + limits.evaluate }),
            endorseOptions: () => ({ deadline: Date.now() + limits.endorse }),
            submitOptions: () => ({ deadline: Date.now() + limits.submit }),
        });
        this.network = this.gateway.getNetwork(profile.channel);
        this.contract = this.network.getContract(profile.chaincode);
        this.blocks = new ChannelBlocks(this.network, org.peer.endpoint);
    }

    get endpoint(): string {
        return this.identity.org.peer.endpoint;
    }

    /**
     * Observe each transaction once the orderer accepted it, before its commit status is known:
     * for progress reports (the tests cut the connection exactly here). Listeners run synchronously
     * and should not throw; an error thrown by one is reported as the transaction's unknown commit
     * status (COMMIT_UNKNOWN). Returns a function that stops observing.
     */
    onSubmitted(listener: (submitted: Submitted) => void): () => void {
        this.submittedListeners.add(listener);
        return () => this.submittedListeners.delete(listener);
    }

    /**
     * Endorse, submit and wait for the commit; rejects unless the transaction committed valid.
     * Once the transaction may have reached the orderer, a failure without a commit status is
     * COMMIT_UNKNOWN (a CommitUnknownError with the tx id): it may still commit.
     */
    async submit(transaction: string, ...args: string[]): Promise<Committed> {
        let stage: Stage = 'endorse';
        let txId: string | undefined;
        let endorsed: Transaction;
        let status: Status;
        try {
            await this.catchUp();
            endorsed = await this.endorse(this.contract.newProposal(transaction, { arguments: args }));
            txId = endorsed.getTransactionId();
            stage = 'submit';
            const commit = await endorsed.submit();
            stage = 'commit';
            for (const listener of this.submittedListeners) {
                listener({ transaction, txId });
            }
            status = await commitStatus(endorsed, commit, this.limits);
        } catch (error) {
            throw ledgerError(error, stage, transaction, this.endpoint, txId, await this.knownPolicy());
        }
        this.clock.observe(Number(status.blockNumber));
        this.peerHolds = Math.max(this.peerHolds, Number(status.blockNumber));
        if (!status.successful) {
            throw commitFailed(transaction, txId, status.code);
        }
        return { payload: Buffer.from(endorsed.getResult()).toString('utf8'), txId };
    }

    /** Endorse, again after a moment while the endorsers only disagree because one lags a block. */
    private async endorse(proposal: Proposal): Promise<Transaction> {
        for (let attempt = 1; ; attempt++) {
            try {
                return await proposal.endorse();
            } catch (error) {
                if (attempt >= ENDORSE_ATTEMPTS || !endorsersMayCatchUp(error, this.identity.mspId)) {
                    throw error;
                }
                await new Promise((resolve) => setTimeout(resolve, ENDORSE_RETRY_MS));
            }
        }
    }

    /**
     * Wait until the gateway peer holds the newest block of this connection's CommitClock, asking it
     * for its height (qscc GetChainInfo) only while it may be behind; LEDGER_ERROR after
     * `deadlines.catchUp` ms.
     */
    private async catchUp(): Promise<void> {
        const wanted = this.clock.latest;
        const deadline = Date.now() + this.limits.catchUp;
        while (this.peerHolds < wanted) {
            this.peerHolds = Math.max(this.peerHolds, await this.blocks.newest());
            if (this.peerHolds >= wanted) {
                return;
            }
            if (Date.now() >= deadline) {
                throw new LedgerError(
                    'LEDGER_ERROR',
                    `the peer ${this.endpoint} has not committed block ${wanted} (it holds up to ${this.peerHolds}) ` +
                        `within ${this.limits.catchUp} ms`,
                );
            }
            await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
        }
    }

    /** Run a query on the gateway peer without committing anything. */
    async evaluate(transaction: string, ...args: string[]): Promise<string> {
        try {
            await this.catchUp();
            return Buffer.from(await this.contract.evaluateTransaction(transaction, ...args)).toString('utf8');
        } catch (error) {
            throw ledgerError(error, 'evaluate', transaction, this.endpoint);
        }
    }

    /** Evaluate and parse the canonical JSON result. */
    async query<T>(transaction: string, ...args: string[]): Promise<T> {
        return JSON.parse(await this.evaluate(transaction, ...args)) as T;
    }

    /** See Ledger.read: the query endorsed but not submitted, its endorsements verified. */
    async read<T>(transaction: string, ...args: string[]): Promise<T> {
        return (await this.readEndorsed(transaction, ...args)).value as T;
    }

    /**
     * A verified read with the endorsed (unsubmitted, unsigned) transaction envelope it came in: a
     * majority's signed answer that anyone can check again offline (evidence bundles keep it).
     */
    async readEndorsed(transaction: string, ...args: string[]): Promise<{ value: unknown; envelope: Uint8Array }> {
        const config = await this.trustedConfig();
        const proposal = this.contract.newProposal(transaction, { arguments: args });
        let endorsed: Transaction;
        try {
            await this.catchUp();
            endorsed = await this.endorse(proposal);
        } catch (error) {
            throw ledgerError(error, 'endorse', transaction, this.endpoint, undefined, config.endorsementPolicy);
        }
        const { payload, envelope } = verifiedResult(this.contract, config, transaction, proposal, endorsed);
        return { value: JSON.parse(payload) as unknown, envelope };
    }

    /**
     * The channel configuration in force, fetched once from the gateway peer and believed only when
     * its organisations' CAs are the trust anchors and the orderers signed it.
     */
    trustedConfig(): Promise<ChannelConfig> {
        if (this.anchors === undefined) {
            return Promise.reject(
                new ClientError(
                    'BAD_TRUST_ANCHORS',
                    'verified reads need trust anchors: the profile has no "trustAnchors"',
                ),
            );
        }
        const anchors = this.anchors;
        this.channelConfig ??= this.blocks.config(anchors).catch((error: unknown) => {
            this.channelConfig = undefined; // a failed fetch is tried again by the next read
            // A configuration that does not verify (not the pinned CAs, not signed, not whole):
            // nothing read through it can be believed.
            throw error instanceof EvidenceError
                ? new LedgerError('UNVERIFIED_READ', `the channel configuration: ${error.message}`)
                : error;
        });
        return this.channelConfig;
    }

    /** The channel's endorsement policy for an error message, when its configuration was read already. */
    private async knownPolicy(): Promise<EndorsementPolicy | undefined> {
        return (await this.channelConfig?.catch(() => undefined))?.endorsementPolicy;
    }

    /**
     * The chaincode's events, resuming after the last one recorded in `checkpointFile` (a file the
     * gateway's checkpointer keeps), so a restarted listener neither misses nor repeats an event.
     * Without a checkpoint file, events start at the next block.
     */
    async chaincodeEvents(options: { checkpointFile?: string } = {}): Promise<ChaincodeEvents> {
        try {
            const checkpointer = options.checkpointFile ? await checkpointers.file(options.checkpointFile) : undefined;
            const events = await this.network.getChaincodeEvents(this.profile.chaincode, { checkpoint: checkpointer });
            return { events, checkpoint: async (event) => checkpointer?.checkpointChaincodeEvent(event) };
        } catch (error) {
            throw ledgerError(error, 'events', 'ChaincodeEvents', this.endpoint);
        }
    }

    close(): void {
        this.gateway.close();
        this.client.close();
    }
}

/** The profile's trust anchors: a folder of `<MSPID>.pem` CA certificates, or fingerprints per MSP. */
function anchorsOf(profile: ConnectionProfile): TrustAnchors | undefined {
    const { trustAnchors } = profile;
    if (trustAnchors === undefined) {
        return undefined;
    }
    return typeof trustAnchors === 'string'
        ? trustAnchorsFromDir(trustAnchors)
        : trustAnchorsFromFingerprints(trustAnchors);
}
