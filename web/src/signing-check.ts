import { equalBytes, utf8, WebError } from '@sealpact/protocol';

/**
 * What the browser checks before it signs bytes the gateway built: that they are the request it
 * asked for and nothing else. The gateway holds no key, so it cannot sign on a user's behalf; these
 * checks also stop it from having the user sign something other than the user's own request (a
 * grant to someone else, another file's signature). Fields are read from the protobuf wire format
 * of Fabric's messages (fabric-protos' field numbers), enough to compare, not to decode everything.
 */

/** Each field of a message: its values in order (bytes for length-delimited fields, bigint for numbers). */
type Fields = Map<number, Array<Uint8Array | bigint>>;

function mismatch(what: string): WebError {
    return new WebError('PROPOSAL_MISMATCH', `the gateway asked to sign ${what}`);
}

function varint(bytes: Uint8Array, at: number): [bigint, number] {
    let value = 0n;
    for (let shift = 0n, i = at; i < bytes.length && shift < 70n; i++, shift += 7n) {
        const byte = bytes[i] ?? 0;
        value |= BigInt(byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) return [value, i + 1];
    }
    throw mismatch('bytes that are not a protobuf message');
}

function fields(bytes: Uint8Array): Fields {
    const out: Fields = new Map();
    let at = 0;
    while (at < bytes.length) {
        const [key, next] = varint(bytes, at);
        const field = Number(key >> 3n);
        let value: Uint8Array | bigint;
        switch (Number(key & 7n)) {
            case 0:
                [value, at] = varint(bytes, next);
                break;
            case 1:
                [value, at] = [0n, next + 8];
                break;
            case 2: {
                const [length, start] = varint(bytes, next);
                at = start + Number(length);
                if (at > bytes.length) throw mismatch('a truncated protobuf message');
                value = bytes.subarray(start, at);
                break;
            }
            case 5:
                [value, at] = [0n, next + 4];
                break;
            default:
                throw mismatch('bytes that are not a protobuf message');
        }
        out.set(field, [...(out.get(field) ?? []), value]);
    }
    return out;
}

/** The one length-delimited value of a field (empty when absent, as protobuf's default). */
function bytesOf(message: Fields, field: number): Uint8Array {
    const value = message.get(field)?.[0];
    if (value === undefined) return new Uint8Array(0);
    if (typeof value === 'bigint') throw mismatch('a message with an unexpected field type');
    return value;
}

function sub(message: Fields, ...path: number[]): Fields {
    return path.reduce((current, field) => fields(bytesOf(current, field)), message);
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The user's identity as Fabric serialises it: SerializedIdentity { mspid = 1, id_bytes = 2 }. */
function sameIdentity(serialized: Uint8Array, mspId: string, certificate: string): boolean {
    const identity = fields(serialized);
    return text(bytesOf(identity, 1)) === mspId && text(bytesOf(identity, 2)) === certificate;
}

export interface Expected {
    channel: string;
    chaincode: string;
    mspId: string;
    certificate: string;
}

/** What a checked proposal tells the next checks: its transaction id and its payload. */
export interface CheckedProposal {
    txId: string;
    payload: Uint8Array;
}

/**
 * A Proposal { header = 1, payload = 2 } for `transaction(args)` on the expected channel and
 * chaincode, created by the user, with no transient data.
 */
export function checkProposal(
    bytes: Uint8Array,
    expected: Expected,
    transaction: string,
    args: string[],
): CheckedProposal {
    const proposal = fields(bytes);
    const header = sub(proposal, 1);
    const channelHeader = sub(header, 1); // ChannelHeader: channel_id = 4, tx_id = 5, extension = 7
    const signatureHeader = sub(header, 2); // SignatureHeader: creator = 1
    const chaincodeId = sub(channelHeader, 7, 2); // ChaincodeHeaderExtension.chaincode_id: name = 2
    if (text(bytesOf(channelHeader, 4)) !== expected.channel || text(bytesOf(chaincodeId, 2)) !== expected.chaincode) {
        throw mismatch('a proposal for another channel or chaincode');
    }
    if (!sameIdentity(bytesOf(signatureHeader, 1), expected.mspId, expected.certificate)) {
        throw mismatch('a proposal of another identity');
    }
    const payload = bytesOf(proposal, 2);
    const proposalPayload = fields(payload); // ChaincodeProposalPayload: input = 1, TransientMap = 2
    if (proposalPayload.has(2)) {
        throw mismatch('a proposal with transient data');
    }
    // ChaincodeInvocationSpec.chaincode_spec = 1 → ChaincodeSpec.input = 3 → ChaincodeInput.args = 1
    const input = sub(proposalPayload, 1, 1, 3);
    const signedArgs = input.get(1) ?? [];
    const wanted = [transaction, ...args].map(utf8);
    const same =
        signedArgs.length === wanted.length &&
        signedArgs.every((arg, i) => typeof arg !== 'bigint' && equalBytes(arg, wanted[i] ?? new Uint8Array(0)));
    if (!same) {
        throw mismatch(`another transaction than ${transaction} with the arguments asked for`);
    }
    return { txId: text(bytesOf(channelHeader, 5)), payload };
}

/**
 * A transaction Payload { header = 1, data = 2 } of the checked proposal: same transaction id and
 * creator, one action whose chaincode_proposal_payload is the proposal's payload.
 */
export function checkTransaction(bytes: Uint8Array, expected: Expected, proposal: CheckedProposal): void {
    const payload = fields(bytes);
    const header = sub(payload, 1);
    if (text(bytesOf(sub(header, 1), 5)) !== proposal.txId) {
        throw mismatch('a transaction of another proposal');
    }
    if (!sameIdentity(bytesOf(sub(header, 2), 1), expected.mspId, expected.certificate)) {
        throw mismatch('a transaction of another identity');
    }
    const actions = sub(payload, 2).get(1) ?? []; // Transaction.actions = 1
    const [action] = actions;
    if (actions.length !== 1 || action === undefined || typeof action === 'bigint') {
        throw mismatch('a transaction with other actions');
    }
    // TransactionAction.payload = 2 → ChaincodeActionPayload.chaincode_proposal_payload = 1
    if (!equalBytes(bytesOf(sub(fields(action), 2), 1), proposal.payload)) {
        throw mismatch('a transaction of another invocation');
    }
}

/** A CommitStatusRequest { transaction_id = 1, channel_id = 2, identity = 3 } for the transaction. */
export function checkCommitRequest(bytes: Uint8Array, expected: Expected, txId: string): void {
    const request = fields(bytes);
    const same =
        text(bytesOf(request, 1)) === txId &&
        text(bytesOf(request, 2)) === expected.channel &&
        sameIdentity(bytesOf(request, 3), expected.mspId, expected.certificate);
    if (!same) {
        throw mismatch('a commit status request for another transaction');
    }
}

/** A ChaincodeEventsRequest { channel_id = 1, chaincode_id = 2, identity = 3 } of the user. */
export function checkEventsRequest(bytes: Uint8Array, expected: Expected): void {
    const request = fields(bytes);
    const same =
        text(bytesOf(request, 1)) === expected.channel &&
        text(bytesOf(request, 2)) === expected.chaincode &&
        sameIdentity(bytesOf(request, 3), expected.mspId, expected.certificate);
    if (!same) {
        throw mismatch('an events request of another channel, chaincode or identity');
    }
}
