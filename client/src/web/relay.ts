import * as grpc from '@grpc/grpc-js';
import { ChaincodeEvent, CloseableAsyncIterable, connect, Gateway, hash } from '@hyperledger/fabric-gateway';
import { WebError } from '@sealpact/protocol';
import { commitFailed, ledgerError } from '../sdk/ledger-errors';
import { ConnectionProfile, OrgProfile, readPem } from '../sdk/profile';
import { Session } from './sessions';

/**
 * The gateway's half of Fabric's offline signing: it builds each proposal with the signed-in
 * user's identity as creator, hands the browser the exact bytes to sign, and relays what the
 * browser signed. It holds no key, so it can neither sign nor alter anything: a proposal,
 * transaction or commit request it changed would carry a signature that no longer verifies.
 *
 * Each session's gateway connection uses `hash.none`, so getDigest() returns the message itself
 * rather than its SHA-256: the browser hashes and signs it with WebCrypto (ECDSA P-256 SHA-256), and
 * can read what it signs first.
 */

/** A pending request is signed within this time, or dropped. */
const PENDING_MS = 2 * 60_000;

const DEADLINES = { evaluate: 5_000, endorse: 15_000, submit: 15_000, commit: 60_000 };

/** Fabric's query system chaincode, which serves blocks. */
const QSCC = 'qscc';

type Pending =
    | { stage: 'proposal'; transaction: string; bytes: Uint8Array }
    | { stage: 'transaction'; transaction: string; bytes: Uint8Array; result: Uint8Array }
    | { stage: 'commit'; transaction: string; bytes: Uint8Array; result: Uint8Array }
    | { stage: 'events'; bytes: Uint8Array };

interface Entry {
    sessionId: string;
    expiresAt: number;
    pending: Pending;
}

/** What the browser is asked to sign: a pending request's id and the message, base64. */
export interface ToSign {
    id: string;
    message: string;
}

export class Relay {
    private readonly clients = new Map<string, grpc.Client>();
    private readonly gateways = new Map<string, Gateway>();
    private readonly pending = new Map<string, Entry>();
    private nextId = 0;

    constructor(private readonly profile: ConnectionProfile) {}

    /**
     * A proposal of `transaction` with `args` to the profile's chaincode, or to the query system
     * chaincode `qscc` (the blocks a verified read checks the channel configuration in), built with
     * the session's identity, to be signed.
     */
    propose(session: Session, transaction: string, args: string[], system = false): ToSign {
        const chaincode = system ? QSCC : this.profile.chaincode;
        const contract = this.gateway(session).getNetwork(this.profile.channel).getContract(chaincode);
        const proposal = contract.newProposal(transaction, { arguments: args });
        return this.hold(session, { stage: 'proposal', transaction, bytes: proposal.getBytes() }, proposal.getDigest());
    }

    /** Evaluate a signed proposal on the session's organisation's peer; the chaincode's answer. */
    async evaluate(session: Session, id: string, signature: Uint8Array): Promise<Uint8Array> {
        const pending = this.take(session, id, 'proposal');
        const proposal = this.gateway(session).newSignedProposal(pending.bytes, signature);
        try {
            return await proposal.evaluate({ deadline: Date.now() + DEADLINES.evaluate });
        } catch (error) {
            throw ledgerError(error, 'evaluate', pending.transaction, this.peerOf(session));
        }
    }

    /**
     * A verified read's half here: endorse a signed proposal on the peers the chaincode's policy
     * needs and hand back the endorsed, unsubmitted transaction (a gateway.PreparedTransaction) for
     * the browser to check; nothing is held, so it cannot be submitted.
     */
    async endorseForRead(session: Session, id: string, signature: Uint8Array): Promise<Uint8Array> {
        const pending = this.take(session, id, 'proposal');
        const proposal = this.gateway(session).newSignedProposal(pending.bytes, signature);
        try {
            return (await proposal.endorse({ deadline: Date.now() + DEADLINES.endorse })).getBytes();
        } catch (error) {
            throw ledgerError(error, 'endorse', pending.transaction, this.peerOf(session));
        }
    }

    /** Endorse a signed proposal; the transaction to sign next. */
    async endorse(session: Session, id: string, signature: Uint8Array): Promise<ToSign & { result: string }> {
        const pending = this.take(session, id, 'proposal');
        const proposal = this.gateway(session).newSignedProposal(pending.bytes, signature);
        try {
            const transaction = await proposal.endorse({ deadline: Date.now() + DEADLINES.endorse });
            const result = transaction.getResult();
            const next: Pending = {
                stage: 'transaction',
                transaction: pending.transaction,
                bytes: transaction.getBytes(),
                result,
            };
            return { ...this.hold(session, next, transaction.getDigest()), result: utf8(result) };
        } catch (error) {
            throw ledgerError(error, 'endorse', pending.transaction, this.peerOf(session));
        }
    }

    /** Submit a signed transaction to the orderers; the commit status request to sign next. */
    async submit(session: Session, id: string, signature: Uint8Array): Promise<ToSign> {
        const pending = this.take(session, id, 'transaction');
        const transaction = this.gateway(session).newSignedTransaction(pending.bytes, signature);
        try {
            const commit = await transaction.submit({ deadline: Date.now() + DEADLINES.submit });
            const next: Pending = { ...pending, stage: 'commit', bytes: commit.getBytes() };
            return this.hold(session, next, commit.getDigest());
        } catch (error) {
            throw ledgerError(
                error,
                'submit',
                pending.transaction,
                this.peerOf(session),
                transaction.getTransactionId(),
            );
        }
    }

    /** Wait for the commit status; the chaincode's answer once the transaction committed valid. */
    async commit(session: Session, id: string, signature: Uint8Array): Promise<{ txId: string; result: string }> {
        const pending = this.take(session, id, 'commit');
        const commit = this.gateway(session).newSignedCommit(pending.bytes, signature);
        const txId = commit.getTransactionId();
        let status;
        try {
            status = await commit.getStatus({ deadline: Date.now() + DEADLINES.commit });
        } catch (error) {
            throw ledgerError(error, 'commit', pending.transaction, this.peerOf(session), txId);
        }
        if (!status.successful) {
            throw commitFailed(pending.transaction, txId, status.code);
        }
        return { txId, result: utf8(pending.result) };
    }

    /** A chaincode events request from the next block on, to be signed. */
    eventsRequest(session: Session): ToSign {
        const request = this.gateway(session)
            .getNetwork(this.profile.channel)
            .newChaincodeEventsRequest(this.profile.chaincode);
        return this.hold(session, { stage: 'events', bytes: request.getBytes() }, request.getDigest());
    }

    /** The chaincode events of a signed events request. */
    async events(session: Session, id: string, signature: Uint8Array): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        const pending = this.take(session, id, 'events');
        try {
            return await this.gateway(session).newSignedChaincodeEventsRequest(pending.bytes, signature).getEvents();
        } catch (error) {
            throw ledgerError(error, 'events', 'ChaincodeEvents', this.peerOf(session));
        }
    }

    /** Drop a pending request the browser refused to sign, whatever its stage (NOT_FOUND when there is none). */
    cancel(session: Session, id: string): void {
        this.take(session, id);
    }

    /** Close a session's gateway connection and drop what it left pending. */
    endSession(session: Session): void {
        this.gateways.get(session.id)?.close();
        this.gateways.delete(session.id);
        for (const [id, entry] of this.pending) {
            if (entry.sessionId === session.id) this.pending.delete(id);
        }
    }

    close(): void {
        for (const gateway of this.gateways.values()) gateway.close();
        for (const client of this.clients.values()) client.close();
        this.gateways.clear();
        this.clients.clear();
    }

    private hold(session: Session, pending: Pending, message: Uint8Array): ToSign {
        const now = Date.now();
        for (const [key, entry] of this.pending) {
            if (entry.expiresAt < now) this.pending.delete(key);
        }
        const id = `${++this.nextId}`;
        this.pending.set(id, { sessionId: session.id, expiresAt: now + PENDING_MS, pending });
        return { id, message: Buffer.from(message).toString('base64') };
    }

    /** The pending request `id` of this session at `stage` (any stage when none is named), taken once. */
    private take<S extends Pending['stage']>(session: Session, id: string, stage?: S): Extract<Pending, { stage: S }> {
        const entry = this.pending.get(id);
        if (
            entry === undefined ||
            entry.sessionId !== session.id ||
            (stage !== undefined && entry.pending.stage !== stage) ||
            entry.expiresAt < Date.now()
        ) {
            throw new WebError('NOT_FOUND', `no pending ${stage ?? 'request'} ${id} of this session`);
        }
        this.pending.delete(id);
        return entry.pending as Extract<Pending, { stage: S }>;
    }

    private gateway(session: Session): Gateway {
        let gateway = this.gateways.get(session.id);
        if (gateway === undefined) {
            gateway = connect({
                client: this.client(this.org(session.mspId)),
                identity: { mspId: session.mspId, credentials: Buffer.from(session.certificate) },
                hash: hash.none,
            });
            this.gateways.set(session.id, gateway);
        }
        return gateway;
    }

    private client(org: OrgProfile): grpc.Client {
        let client = this.clients.get(org.mspId);
        if (client === undefined) {
            client = new grpc.Client(
                org.peer.endpoint,
                grpc.credentials.createSsl(readPem(org.peer.tlsCACert, 'the peer TLS CA certificate')),
                org.peer.hostnameOverride ? { 'grpc.ssl_target_name_override': org.peer.hostnameOverride } : {},
            );
            this.clients.set(org.mspId, client);
        }
        return client;
    }

    private org(mspId: string): OrgProfile {
        const org = Object.values(this.profile.orgs).find((candidate) => candidate.mspId === mspId);
        if (org === undefined) {
            throw new WebError('BAD_LOGIN', `this gateway serves no organisation ${mspId}`);
        }
        return org;
    }

    private peerOf(session: Session): string {
        return this.org(session.mspId).peer.endpoint;
    }
}

function utf8(bytes: Uint8Array): string {
    return Buffer.from(bytes).toString('utf8');
}
