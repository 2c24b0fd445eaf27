import { bytesToHex, equalBytes } from '../bytes';
import { EvidenceError } from '../errors';
import { ChannelConfig, describeEndorsementPolicy, satisfiesEndorsementPolicy } from './channel-config';
import { decodeIdentity, describeIdentity, Identity, nodeRole, signerProblem } from './identity';
import { concat, text, x509 } from './platform';
import { common, gateway, ledger, peer } from './protos';
import { decode, isoTime, required } from './protobuf';

export interface Endorsement {
    endorser: Identity;
    /** The endorser's SerializedIdentity, as signed. */
    endorserBytes: Uint8Array;
    signature: Uint8Array;
}

/** A key the transaction writes, in a namespace (a chaincode); a null value deletes it. */
export interface Write {
    namespace: string;
    key: string;
    value: Uint8Array | null;
}

/** An endorser transaction (one chaincode action), decoded from its envelope. */
export interface DecodedTransaction {
    txId: string;
    channel: string;
    /** The channel header type (common.HeaderType): 3, ENDORSER_TRANSACTION. */
    type: number;
    /** The channel header timestamp, chosen by the client (ISO 8601). */
    timestamp: string;
    creator: Identity;
    /** The SerializedIdentity of the creator, as the transaction id is computed over it. */
    creatorBytes: Uint8Array;
    nonce: Uint8Array;
    /** The creator's signature over `payload`; empty in a prepared (unsubmitted) transaction. */
    signature: Uint8Array;
    payload: Uint8Array;
    chaincode: string;
    function: string;
    /** The arguments after the function name. */
    args: Uint8Array[];
    /** The proposal hash the endorsers signed (in the proposal response payload). */
    proposalHash: Uint8Array;
    /** The proposal hash computed from this transaction's header and proposal payload. */
    computedProposalHash: Uint8Array;
    proposalResponsePayload: Uint8Array;
    response: { status: number; message: string; payload: Uint8Array };
    /** The chaincode event, if one was set (ChaincodeAction.events holds at most one). */
    events?: { name: string; payload: Uint8Array };
    writes: Write[];
    endorsements: Endorsement[];
}

const ENDORSER_TRANSACTION = common.HeaderType.ENDORSER_TRANSACTION;

/** The transaction id of an envelope, without decoding the rest; BAD_PROTOBUF if it does not decode. */
export function transactionIdOf(envelope: Uint8Array): string {
    const payload = decode(
        common.Payload,
        decode(common.Envelope, envelope, 'an envelope').getPayload_asU8(),
        'a payload',
    );
    const header = required(payload.getHeader(), 'a payload header');
    return decode(common.ChannelHeader, header.getChannelHeader_asU8(), 'a channel header').getTxId();
}

/**
 * Decode an endorser transaction's envelope: its header, creator and signature, and its one
 * chaincode action (invocation, endorsed response, write set, event and endorsements).
 * BAD_PROTOBUF for anything else or anything that does not decode.
 */
export function decodeTransaction(envelopeBytes: Uint8Array): DecodedTransaction {
    const envelope = decode(common.Envelope, envelopeBytes, 'the transaction envelope');
    const payloadBytes = envelope.getPayload_asU8();
    const payload = decode(common.Payload, payloadBytes, 'the transaction payload');
    const header = required(payload.getHeader(), 'the transaction header');
    const channelHeaderBytes = header.getChannelHeader_asU8();
    const channelHeader = decode(common.ChannelHeader, channelHeaderBytes, 'the channel header');
    const txId = channelHeader.getTxId();
    if (channelHeader.getType() !== ENDORSER_TRANSACTION) {
        throw new EvidenceError('BAD_PROTOBUF', `transaction ${txId} is not an endorser transaction`);
    }
    const signatureHeaderBytes = header.getSignatureHeader_asU8();
    const signatureHeader = decode(
        common.SignatureHeader,
        signatureHeaderBytes,
        `transaction ${txId}'s signature header`,
    );
    const creatorBytes = signatureHeader.getCreator_asU8();
    const { proposalPayload, ...action } = decodeAction(payload.getData_asU8(), signatureHeaderBytes, txId);
    return {
        txId,
        channel: channelHeader.getChannelId(),
        type: channelHeader.getType(),
        timestamp: isoTime(channelHeader.getTimestamp(), `transaction ${txId}'s timestamp`),
        creator: decodeIdentity(creatorBytes, `transaction ${txId}'s creator`),
        creatorBytes,
        nonce: signatureHeader.getNonce_asU8(),
        signature: envelope.getSignature_asU8(),
        payload: payloadBytes,
        ...action,
        // Fabric's GetProposalHash2: the proposal payload in a transaction has no transient data.
        computedProposalHash: sha256(channelHeaderBytes, signatureHeaderBytes, proposalPayload),
    };
}

/**
 * Decode what @hyperledger/fabric-gateway's Transaction.getBytes() gives for an endorsed proposal
 * not yet submitted (a gateway.PreparedTransaction): the transaction, unsigned.
 */
export function decodePreparedTransaction(bytes: Uint8Array): DecodedTransaction {
    const prepared = decode(gateway.PreparedTransaction, bytes, 'the prepared transaction');
    const transaction = decodeTransaction(
        required(prepared.getEnvelope(), 'the prepared transaction envelope').serializeBinary(),
    );
    if (transaction.txId !== prepared.getTransactionId()) {
        throw new EvidenceError(
            'BAD_PROTOBUF',
            `the prepared transaction ${prepared.getTransactionId()} holds transaction ${transaction.txId}`,
        );
    }
    return transaction;
}

/**
 * Fabric's GetProposalHash1 of a peer.Proposal (a SignedProposal's proposal_bytes; for what
 * Proposal.getBytes() of @hyperledger/fabric-gateway gives, see decodeProposedTransaction):
 * SHA-256 over its channel header ‖ signature header ‖ ChaincodeProposalPayload without its
 * transient map. An endorsed response binds itself to the proposal it answers with this hash.
 * BAD_PROTOBUF unless the bytes are a chaincode proposal.
 */
export function proposalHashOf(proposalBytes: Uint8Array): Uint8Array {
    const proposal = decode(peer.Proposal, proposalBytes, 'the proposal');
    const header = decode(common.Header, proposal.getHeader_asU8(), "the proposal's header");
    const channelHeader = decode(common.ChannelHeader, header.getChannelHeader_asU8(), "the proposal's channel header");
    // Other messages decode as a Proposal too (protobuf has no types on the wire): refuse them here.
    if (channelHeader.getType() !== ENDORSER_TRANSACTION || channelHeader.getTxId() === '') {
        throw new EvidenceError('BAD_PROTOBUF', 'the bytes are not a chaincode proposal (peer.Proposal)');
    }
    const payload = decode(peer.ChaincodeProposalPayload, proposal.getPayload_asU8(), "the proposal's payload");
    const withoutTransient = new peer.ChaincodeProposalPayload();
    withoutTransient.setInput(payload.getInput_asU8());
    return sha256(header.getChannelHeader_asU8(), header.getSignatureHeader_asU8(), withoutTransient.serializeBinary());
}

/**
 * What @hyperledger/fabric-gateway's Proposal.getBytes() gives (a gateway.ProposedTransaction):
 * its transaction id, the proposal bytes it signs and their proposal hash.
 */
export function decodeProposedTransaction(bytes: Uint8Array): {
    txId: string;
    proposal: Uint8Array;
    proposalHash: Uint8Array;
} {
    const proposed = decode(gateway.ProposedTransaction, bytes, 'the proposed transaction');
    const proposal = required(proposed.getProposal(), 'the signed proposal').getProposalBytes_asU8();
    return { txId: proposed.getTransactionId(), proposal, proposalHash: proposalHashOf(proposal) };
}

/**
 * The creator's certificate chains to its MSP in `config`, its signature over the payload verifies
 * (low-S), and the transaction id is SHA-256(nonce ‖ creator) as Fabric computes it; else BAD_CREATOR.
 */
export function verifyCreator(tx: DecodedTransaction, config: ChannelConfig): void {
    const problem =
        signerProblem(config, tx.creator, 'member', tx.payload, tx.signature) ??
        (bytesToHex(sha256(tx.nonce, tx.creatorBytes)) === tx.txId
            ? undefined
            : 'the transaction id is not SHA-256 of the nonce and the creator');
    if (problem !== undefined) {
        throw new EvidenceError(
            'BAD_CREATOR',
            `transaction ${tx.txId}, creator ${describeIdentity(tx.creator)}: ${problem}`,
        );
    }
}

/**
 * The endorsements hold: they endorse this transaction's proposal (its channel, header and
 * arguments), each signature over (proposal response payload ‖ endorser) verifies (low-S) by a peer
 * of a channel organisation (BAD_ENDORSEMENT naming the endorsement), and the endorsing identities
 * satisfy the channel's endorsement policy (POLICY_NOT_SATISFIED). Every endorsement carries the
 * same response by construction: a transaction holds one proposal response payload, which every
 * endorsement signs. Returns the endorsing organisations.
 */
export function verifyEndorsements(tx: DecodedTransaction, config: ChannelConfig): { orgs: string[] } {
    if (tx.channel !== config.channel) {
        throw new EvidenceError(
            'BAD_ENDORSEMENT',
            `transaction ${tx.txId} is on channel ${tx.channel}, not ${config.channel}`,
        );
    }
    if (!equalBytes(tx.proposalHash, tx.computedProposalHash)) {
        throw new EvidenceError('BAD_ENDORSEMENT', `transaction ${tx.txId}'s endorsements are for another proposal`);
    }
    for (const [i, { endorser, endorserBytes, signature }] of tx.endorsements.entries()) {
        const signed = concat(tx.proposalResponsePayload, endorserBytes);
        const problem = signerProblem(config, endorser, nodeRole(config, endorser.mspId, 'peer'), signed, signature);
        if (problem !== undefined) {
            throw new EvidenceError(
                'BAD_ENDORSEMENT',
                `transaction ${tx.txId}, endorsement ${i} by ${describeIdentity(endorser)}: ${problem}`,
            );
        }
    }
    const orgs = [...new Set(tx.endorsements.map((e) => e.endorser.mspId))].sort();
    if (
        !satisfiesEndorsementPolicy(
            config,
            tx.endorsements.map((e) => e.endorser),
        )
    ) {
        throw new EvidenceError(
            'POLICY_NOT_SATISFIED',
            `transaction ${tx.txId} is endorsed by ${orgs.join(', ') || 'no organisation'}; the policy needs ${describeEndorsementPolicy(config)}`,
        );
    }
    return { orgs };
}

/** The one chaincode action of an endorser transaction's data, and its proposal payload. */
function decodeAction(data: Uint8Array, signatureHeader: Uint8Array, txId: string) {
    const what = `transaction ${txId}'s`;
    const actions = decode(peer.Transaction, data, `${what} data`).getActionsList();
    const [action] = actions;
    if (action === undefined || actions.length > 1) {
        throw new EvidenceError('BAD_PROTOBUF', `transaction ${txId} has ${actions.length} actions, not one`);
    }
    // Fabric hashes the proposal with the action's signature header; it must be the creator's.
    if (!equalBytes(action.getHeader_asU8(), signatureHeader)) {
        throw new EvidenceError('BAD_PROTOBUF', `${what} action has another signature header than the transaction`);
    }
    const actionPayload = decode(peer.ChaincodeActionPayload, action.getPayload_asU8(), `${what} action payload`);
    const proposalPayload = actionPayload.getChaincodeProposalPayload_asU8();
    const endorsed = required(actionPayload.getAction(), `${what} endorsed action`);
    const responsePayloadBytes = endorsed.getProposalResponsePayload_asU8();
    const responsePayload = decode(
        peer.ProposalResponsePayload,
        responsePayloadBytes,
        `${what} proposal response payload`,
    );
    const chaincodeAction = decode(
        peer.ChaincodeAction,
        responsePayload.getExtension_asU8(),
        `${what} chaincode action`,
    );
    const response = required(chaincodeAction.getResponse(), `${what} chaincode response`);
    const [name = new Uint8Array(), ...args] = invocationArgs(proposalPayload, what);
    return {
        chaincode: required(chaincodeAction.getChaincodeId(), `${what} chaincode id`).getName(),
        function: text(name),
        args,
        proposalHash: responsePayload.getProposalHash_asU8(),
        proposalResponsePayload: responsePayloadBytes,
        proposalPayload,
        response: {
            status: response.getStatus(),
            message: response.getMessage(),
            payload: response.getPayload_asU8(),
        },
        events: eventOf(chaincodeAction.getEvents_asU8(), what),
        writes: writesOf(chaincodeAction.getResults_asU8(), what),
        endorsements: endorsed.getEndorsementsList().map((endorsement, i) => {
            const endorserBytes = endorsement.getEndorser_asU8();
            return {
                endorser: decodeIdentity(endorserBytes, `${what} endorser ${i}`),
                endorserBytes,
                signature: endorsement.getSignature_asU8(),
            };
        }),
    };
}

/** The ChaincodeInvocationSpec's input arguments: the function name, then its arguments. */
function invocationArgs(proposalPayload: Uint8Array, what: string): Uint8Array[] {
    const input = decode(peer.ChaincodeProposalPayload, proposalPayload, `${what} proposal payload`).getInput_asU8();
    const spec = decode(peer.ChaincodeInvocationSpec, input, `${what} invocation`).getChaincodeSpec();
    return required(spec?.getInput(), `${what} chaincode input`).getArgsList_asU8();
}

function eventOf(bytes: Uint8Array, what: string): DecodedTransaction['events'] {
    const event = decode(peer.ChaincodeEvent, bytes, `${what} chaincode event`);
    return event.getEventName() === '' ? undefined : { name: event.getEventName(), payload: event.getPayload_asU8() };
}

/** The KV writes of every namespace of a TxReadWriteSet. */
function writesOf(results: Uint8Array, what: string): Write[] {
    const rwset = decode(ledger.rwset.TxReadWriteSet, results, `${what} read-write set`);
    return rwset.getNsRwsetList().flatMap((ns) => {
        const namespace = ns.getNamespace();
        const kv = decode(ledger.rwset.kvrwset.KVRWSet, ns.getRwset_asU8(), `${what} ${namespace} read-write set`);
        return kv.getWritesList().map((write) => ({
            namespace,
            key: write.getKey(),
            value: write.getIsDelete() ? null : write.getValue_asU8(),
        }));
    });
}

function sha256(...parts: Uint8Array[]): Uint8Array {
    return x509().sha256(concat(...parts));
}
