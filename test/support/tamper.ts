import { common, gateway, msp, peer } from '@hyperledger/fabric-protos';
import { sign } from 'node:crypto';
import { canonicalJson, DerReader } from '@sealpact/protocol';
import { defined } from '../../protocol/src/test-support/defined';

/**
 * What a malicious gateway peer can do to the answers it relays (GatewayProxy's rewrite hooks):
 * decode a response with @hyperledger/fabric-protos, change one thing, encode it back. Each
 * function returns a new response and leaves its argument as it was; nothing is signed again
 * unless the name says so, so an edited endorsed response carries endorsements that no longer
 * match what it says — the attack a verifying client must catch.
 */

/** An identity that signs as an endorser: its MSP, its certificate and private key (PEM). */
export interface SigningIdentity {
    mspId: string;
    certPem: string;
    privateKeyPem: string;
}

/** One endorsement, decoded: the endorser's MSP and certificate, and the exact bytes it signed with. */
export interface DecodedEndorsement {
    mspId: string;
    certPem: string;
    /** The serialized identity (msp.SerializedIdentity), the second half of what is signed. */
    endorser: Buffer;
    /** ECDSA, DER, over proposal response payload ‖ endorser. */
    signature: Buffer;
}

/** The order n of P-256; Fabric accepts an ECDSA signature only with s ≤ n/2 ("low-S"). */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * The chaincode, function and arguments (UTF-8) of the proposal in an Endorse or Evaluate request:
 * for a hook to tamper with one read only (a verifying SDK also evaluates qscc's GetBlockByNumber).
 */
export function transactionFunction(request: gateway.EndorseRequest | gateway.EvaluateRequest): {
    chaincode: string;
    name: string;
    args: string[];
} {
    const signed = defined(request.getProposedTransaction(), 'the signed proposal');
    const proposal = peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
    const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
    const spec = defined(
        peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec(),
        'the chaincode spec',
    );
    const chaincode = defined(spec.getChaincodeId(), 'the chaincode id').getName();
    const input = defined(spec.getInput(), "the proposal's chaincode input");
    const [name, ...args] = input.getArgsList_asU8().map((arg) => Buffer.from(arg).toString('utf8'));
    return { chaincode, name: defined(name, 'the function name'), args };
}

/**
 * An edit of a JSON result, typed by its parameter: `(party: PartyView) => ({ ...party, keys: [] })`.
 * (A function of any one parameter type is a `(value: never) => unknown`.)
 */
export type JsonEdit = (value: never) => unknown;

/** A payload edit on JSON: parse, edit, write back as canonical JSON (as the chaincode writes it). */
function asJson(edit: JsonEdit): (payload: Buffer) => Buffer {
    return (payload) => Buffer.from(canonicalJson(edit(JSON.parse(payload.toString('utf8')) as never)));
}

/**
 * Change the chaincode's returned payload in an endorsed response: Envelope → Payload →
 * Transaction → actions[0] ChaincodeActionPayload → ChaincodeEndorsedAction →
 * ProposalResponsePayload.extension → ChaincodeAction.response.payload. The endorsements stay as
 * they were, now over a payload no endorser signed.
 */
export function rewriteResult(
    response: gateway.EndorseResponse,
    edit: (payload: Buffer) => Buffer,
): gateway.EndorseResponse {
    return editEndorsedAction(response, (action) => {
        const responsePayload = peer.ProposalResponsePayload.deserializeBinary(
            action.getProposalResponsePayload_asU8(),
        );
        const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
        const result = defined(chaincodeAction.getResponse(), 'the chaincode response');
        result.setPayload(edit(Buffer.from(result.getPayload_asU8())));
        chaincodeAction.setResponse(result);
        responsePayload.setExtension$(chaincodeAction.serializeBinary());
        action.setProposalResponsePayload(responsePayload.serializeBinary());
    });
}

/** rewriteResult for a JSON result (every Sealpact transaction returns canonical JSON). */
export function rewriteResultJson(response: gateway.EndorseResponse, edit: JsonEdit): gateway.EndorseResponse {
    return rewriteResult(response, asJson(edit));
}

/** Keep only the endorsements of the MSPs `keep` accepts: an under-endorsed response. */
export function dropEndorsements(
    response: gateway.EndorseResponse,
    keep: (mspId: string) => boolean,
): gateway.EndorseResponse {
    return editEndorsedAction(response, (action) => {
        action.setEndorsementsList(
            action.getEndorsementsList().filter((endorsement) => keep(decodeEndorsement(endorsement).mspId)),
        );
    });
}

/**
 * Replace every endorsement with one valid endorsement by `identity` over the response as it is
 * now (possibly rewritten): a compromised peer signing whatever it likes with its own key. The
 * signature verifies; one organisation still does not satisfy the MAJORITY policy.
 */
export function resignEndorsementsAs(
    response: gateway.EndorseResponse,
    identity: SigningIdentity,
): gateway.EndorseResponse {
    return editEndorsedAction(response, (action) => {
        const serialized = new msp.SerializedIdentity();
        serialized.setMspid(identity.mspId);
        serialized.setIdBytes(Buffer.from(identity.certPem));
        const endorser = Buffer.from(serialized.serializeBinary());
        const endorsement = new peer.Endorsement();
        endorsement.setEndorser(endorser);
        endorsement.setSignature(
            signLowS(Buffer.concat([action.getProposalResponsePayload_asU8(), endorser]), identity.privateKeyPem),
        );
        action.setEndorsementsList([endorsement]);
    });
}

/** Change the result of an unendorsed evaluate (EvaluateResponse.result.payload). */
export function rewriteEvaluateResult(
    response: gateway.EvaluateResponse,
    edit: (payload: Buffer) => Buffer,
): gateway.EvaluateResponse {
    const rewritten = gateway.EvaluateResponse.deserializeBinary(response.serializeBinary());
    const result = defined(rewritten.getResult(), 'the evaluate result');
    result.setPayload(edit(Buffer.from(result.getPayload_asU8())));
    rewritten.setResult(result);
    return rewritten;
}

/** rewriteEvaluateResult for a JSON result. */
export function rewriteEvaluateResultJson(
    response: gateway.EvaluateResponse,
    edit: JsonEdit,
): gateway.EvaluateResponse {
    return rewriteEvaluateResult(response, asJson(edit));
}

/**
 * The proposal response payload and endorsements of a prepared transaction: an EndorseResponse's
 * getPreparedTransaction(), or gateway.PreparedTransaction.deserializeBinary(transaction.getBytes())
 * .getEnvelope() for what a client holds after endorse().
 */
export function endorsementsOf(preparedTransaction: common.Envelope): {
    proposalResponsePayload: Buffer;
    endorsements: DecodedEndorsement[];
} {
    const action = endorsedAction(preparedTransaction).action;
    return {
        proposalResponsePayload: Buffer.from(action.getProposalResponsePayload_asU8()),
        endorsements: action.getEndorsementsList().map(decodeEndorsement),
    };
}

/** Whether a DER ECDSA signature over P-256 is low-S, as Fabric requires. */
export function isLowS(signature: Uint8Array): boolean {
    const sequence = new DerReader(signature, 'BAD_ENDORSEMENT', 'the ECDSA signature').sequence();
    sequence.integer();
    const s = sequence.integer();
    sequence.end();
    return s <= P256_ORDER / 2n;
}

/** ECDSA P-256 with SHA-256 over `data`, DER, with s normalised to n − s when above n/2. */
function signLowS(data: Buffer, privateKeyPem: string): Buffer {
    const raw = sign('sha256', data, { key: privateKeyPem, dsaEncoding: 'ieee-p1363' });
    const r = BigInt(`0x${raw.subarray(0, 32).toString('hex')}`);
    const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
    const body = Buffer.concat([derInteger(r), derInteger(s > P256_ORDER / 2n ? P256_ORDER - s : s)]);
    // At most 70 bytes for P-256, so the short length form.
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** A non-negative DER INTEGER, minimally encoded (a leading zero only when the high bit is set). */
function derInteger(value: bigint): Buffer {
    const hex = value.toString(16);
    const magnitude = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
    const bytes = (magnitude.readUInt8(0) & 0x80) === 0 ? magnitude : Buffer.concat([Buffer.from([0]), magnitude]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function decodeEndorsement(endorsement: peer.Endorsement): DecodedEndorsement {
    const endorser = Buffer.from(endorsement.getEndorser_asU8());
    const identity = msp.SerializedIdentity.deserializeBinary(endorser);
    return {
        mspId: identity.getMspid(),
        certPem: Buffer.from(identity.getIdBytes_asU8()).toString('utf8'),
        endorser,
        signature: Buffer.from(endorsement.getSignature_asU8()),
    };
}

/** The prepared transaction decoded down to its endorsed action (the gateway prepares one action). */
function endorsedAction(envelope: common.Envelope) {
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const transactionAction = defined(transaction.getActionsList()[0], 'the transaction action');
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(transactionAction.getPayload_asU8());
    const action = defined(actionPayload.getAction(), 'the endorsed action');
    return { payload, transaction, transactionAction, actionPayload, action };
}

/** Let `edit` change the endorsed action of a response's prepared transaction, and encode it back up. */
function editEndorsedAction(
    response: gateway.EndorseResponse,
    edit: (action: peer.ChaincodeEndorsedAction) => void,
): gateway.EndorseResponse {
    const envelope = defined(response.getPreparedTransaction(), 'the prepared transaction');
    const { payload, transaction, transactionAction, actionPayload, action } = endorsedAction(envelope);
    edit(action);
    actionPayload.setAction(action);
    transactionAction.setPayload(actionPayload.serializeBinary());
    payload.setData(transaction.serializeBinary());
    const rewritten = new common.Envelope();
    rewritten.setPayload(payload.serializeBinary());
    rewritten.setSignature(envelope.getSignature_asU8());
    const result = new gateway.EndorseResponse();
    result.setPreparedTransaction(rewritten);
    return result;
}
