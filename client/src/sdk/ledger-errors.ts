import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { ChaincodeError, isCodeOf, LedgerError, SealpactError } from '@sealpact/protocol';
import { messageOf } from '../thrown';
import { EndorsementPolicy, threshold } from '../verify/channel-config';

/** The stage a ledger call failed in; named in every timeout and network error. */
export type Stage = 'evaluate' | 'endorse' | 'submit' | 'commit' | 'events';

/**
 * Codes only a gateway peer that answered sends back from Submit (gRPC never makes them up for a
 * lost connection), each before or instead of the orderer accepting the transaction: a malformed
 * or unsigned request (INVALID_ARGUMENT), an unknown channel (FAILED_PRECONDITION), or an orderer
 * that refused it as a bad request (ABORTED). See Fabric's internal/pkg/gateway/submit.go.
 */
const NEVER_ORDERED = new Set<number>([
    GrpcStatus.INVALID_ARGUMENT,
    GrpcStatus.FAILED_PRECONDITION,
    GrpcStatus.ABORTED,
]);
/** The gRPC statuses of a peer that did not answer, as the numbers GatewayError.code holds. */
const UNAVAILABLE: number = GrpcStatus.UNAVAILABLE;
const DEADLINE_EXCEEDED: number = GrpcStatus.DEADLINE_EXCEEDED;
/** The gateway's status when too few endorsements came back alike, or too few endorsers answered. */
const ABORTED: number = GrpcStatus.ABORTED;
/** The gateway's status when discovery finds too few live peers for the policy (and for other set-up faults). */
const FAILED_PRECONDITION: number = GrpcStatus.FAILED_PRECONDITION;

/**
 * Whether a transaction whose submit failed with `error` at `stage` may still commit: the rule
 * every clean-up after a submit follows (undo only what a transaction that certainly did not
 * commit left behind).
 *
 *   stage    error                                                         may commit
 *   endorse  anything: a refusal, a timeout, a lost connection             no (never sent)
 *   submit   not a gateway error (signing failed before the call)          no
 *   submit   the gateway's INVALID_ARGUMENT, FAILED_PRECONDITION, ABORTED  no
 *   submit   any other: a lost connection, a timeout, no orderer answered  yes
 *   commit   a status that says invalid (CommitError): nothing written     no
 *   commit   anything else thrown instead of a status                      yes
 */
export function mayHaveCommitted(error: unknown, stage: Stage): boolean {
    if (error instanceof CommitError) {
        return false;
    }
    if (stage === 'submit') {
        return error instanceof GatewayError && !NEVER_ORDERED.has(error.code);
    }
    return stage === 'commit';
}

/**
 * COMMIT_UNKNOWN: the transaction may have reached the orderer but no commit status came back,
 * so it may or may not be on the ledger. Whatever it refers to must be kept; asking the ledger
 * later (or retrying with the same ids) settles it.
 */
export class CommitUnknownError extends LedgerError {
    constructor(
        readonly transaction: string,
        readonly txId: string,
        readonly stage: 'submit' | 'commit',
        /** Why the status is unknown. */
        readonly reason: string,
        /** What the caller kept and can do, appended to the message. */
        consequence?: string,
    ) {
        const handed = stage === 'commit' ? 'was handed to' : 'may have reached';
        super(
            'COMMIT_UNKNOWN',
            `${transaction} ${txId} ${handed} the orderer but its commit status is unknown (${reason})` +
                (consequence ? `; ${consequence}` : ''),
        );
    }
}

const VALIDATION_CODES = Object.fromEntries(Object.entries(StatusCode).map(([name, code]) => [code, name]));

/**
 * The chaincode's refusal ("CODE: text") from a gateway error: its own message is generic
 * ("10 ABORTED: failed to endorse transaction, see attached details for more info") and each
 * peer's detail reads "chaincode response 500, CODE: text".
 */
function chaincodeMessage(error: unknown): string | undefined {
    const texts = [messageOf(error)];
    if (error instanceof GatewayError) {
        texts.push(...error.details.map((detail) => detail.message));
    }
    for (const text of texts) {
        const [, refusal] = /chaincode response \d+, ([\s\S]*)$/.exec(text) ?? [];
        if (refusal !== undefined) {
            return refusal;
        }
    }
    return undefined;
}

/**
 * True when endorsement failed only because the endorsing peers' answers differed: one peer had not
 * yet committed the block another had. Either no chaincode refused (the gateway logs
 * "ProposalResponsePayloads do not match" and answers ABORTED), or only other organisations' peers
 * refused what the gateway's own peer (`gatewayMspId`), which endorses first and holds the caller's
 * newest block (CommitClock), accepted: the chaincode is deterministic, so they lag. Nothing
 * reached the orderer, so endorsing again once the lagging peer has caught up is safe.
 */
export function endorsersMayCatchUp(error: unknown, gatewayMspId: string): boolean {
    if (!(error instanceof GatewayError) || error.code !== ABORTED || silentEndorsers(error).length > 0) {
        return false;
    }
    const refusedByOthersOnly =
        error.details.length > 0 && error.details.every((detail) => detail.mspId !== gatewayMspId);
    return chaincodeMessage(error) === undefined || refusedByOthersOnly;
}

/** An organisation whose peer the gateway asked for an endorsement and got no answer from. */
interface Silent {
    mspId: string;
    why: 'timeout' | 'unreachable';
}

/**
 * The organisations whose endorsing peer did not answer the gateway, from its per-peer details
 * ("rpc error: code = DeadlineExceeded desc = context deadline exceeded" after the peer's
 * gateway.endorsementTimeout, "code = Unavailable" when it could not connect), once each.
 */
function silentEndorsers(error: GatewayError): Silent[] {
    const silent = new Map<string, Silent['why']>();
    for (const { mspId, message } of error.details) {
        const why = /DeadlineExceeded/.test(message)
            ? 'timeout'
            : /Unavailable/.test(message)
              ? 'unreachable'
              : undefined;
        if (why !== undefined && !silent.has(mspId)) {
            silent.set(mspId, why);
        }
    }
    return [...silent].map(([mspId, why]) => ({ mspId, why }));
}

/** "A", "A and B", "A, B and C". */
function listed(names: string[]): string {
    return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.slice(-1).join('')}`;
}

/** "MAJORITY (3 of 4)". */
function needs(policy: EndorsementPolicy): string {
    return `${policy.rule} (${threshold(policy.rule, policy.orgPolicies.length)} of ${policy.orgPolicies.length})`;
}

/**
 * Why endorsement failed when some organisations' peers did not answer: which answered, which did
 * not and why, and what the policy needs. The gateway reports only the peers that failed; one that
 * gossip already counts as down is not asked at all, so when the rest would have been enough the
 * message says that instead of counting it as an answer.
 */
function unansweredEndorsement(unordered: Silent[], policy: EndorsementPolicy | undefined): string {
    const all = policy?.orgPolicies.map((org) => org.mspId) ?? [];
    // In the order the channel lists its organisations, not the order the timeouts came in.
    const silent = [...unordered].sort((a, b) => all.indexOf(a.mspId) - all.indexOf(b.mspId));
    const names = silent.map((s) => s.mspId);
    const reasons = [...new Set(silent.map((s) => s.why))];
    // "A and B did not (timeout)", or with mixed reasons "A (timeout) and B (unreachable) did not".
    const [who, why] =
        reasons.length === 1
            ? [listed(names), ` (${reasons.join('')})`]
            : [listed(silent.map((s) => `${s.mspId} (${s.why})`)), ''];
    if (policy === undefined) {
        return `${who} did not answer${why}, so the endorsement policy could not be satisfied`;
    }
    const answered = all.filter((mspId) => !names.includes(mspId));
    if (answered.length >= threshold(policy.rule, policy.orgPolicies.length)) {
        return (
            `${who} did not answer${why} and the gateway counts other organisations' peers as down; ` +
            `the endorsement policy needs ${needs(policy)}`
        );
    }
    return (
        `only ${answered.length} of ${all.length} organisations answered (${answered.join(', ')}); ` +
        `${who} did not${why}; the endorsement policy needs ${needs(policy)}`
    );
}

/**
 * Turn whatever a gateway call threw into a SealpactError that says what went wrong and where:
 * COMMIT_UNKNOWN (with `txId`) when the transaction may have committed, else a ChaincodeError with
 * the chaincode's own code when it refused (LEDGER_ERROR keeping the text when that code is not a
 * chaincode code), NETWORK_DOWN when no peer answered, TIMEOUT with the stage, COMMIT_FAILED with
 * the validation code, or LEDGER_ERROR with the peers' messages.
 */
export function ledgerError(
    error: unknown,
    stage: Stage,
    transaction: string,
    endpoint: string,
    txId?: string,
    /** The channel's endorsement policy when known: endorsement failures then say what it needs. */
    policy?: EndorsementPolicy,
): SealpactError {
    if ((stage === 'submit' || stage === 'commit') && txId !== undefined && mayHaveCommitted(error, stage)) {
        return new CommitUnknownError(transaction, txId, stage, unknownReason(error, stage, endpoint));
    }
    if (error instanceof SealpactError) {
        return error;
    }
    const refusal = chaincodeMessage(error);
    const [, code, text] = (refusal === undefined ? null : /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(refusal)) ?? [];
    if (code !== undefined && text !== undefined) {
        return isCodeOf(code, 'chaincode')
            ? new ChaincodeError(code, text)
            : new LedgerError('LEDGER_ERROR', `${transaction} was refused by the chaincode: ${refusal}`);
    }
    if (error instanceof CommitError) {
        return commitFailed(transaction, error.transactionId, error.code);
    }
    if (error instanceof GatewayError) {
        return gatewayFailure(error, stage, transaction, endpoint, policy);
    }
    return new LedgerError('LEDGER_ERROR', `${transaction} failed at the ${stage} stage: ${messageOf(error)}`);
}

/**
 * NETWORK_DOWN, TIMEOUT or LEDGER_ERROR for a gateway error that is not a refusal: naming the
 * organisations that did not answer and what the policy needs when endorsement failed for that,
 * else with the peers' messages.
 */
function gatewayFailure(
    error: GatewayError,
    stage: Stage,
    transaction: string,
    endpoint: string,
    policy: EndorsementPolicy | undefined,
): LedgerError {
    if (error.code === UNAVAILABLE) {
        return new LedgerError(
            'NETWORK_DOWN',
            `${transaction}: no answer from the peer at ${endpoint} (${stage}); is the network up? (npm run network:up)`,
        );
    }
    if (error.code === DEADLINE_EXCEEDED) {
        return new LedgerError('TIMEOUT', `${transaction}: timed out at the ${stage} stage (peer ${endpoint})`);
    }
    const silent = silentEndorsers(error);
    if (error.code === ABORTED && silent.length > 0) {
        const why = unansweredEndorsement(silent, policy);
        return new LedgerError('LEDGER_ERROR', `${transaction} failed at the ${stage} stage: ${why}`);
    }
    // Discovery's "no combination of peers can be derived which satisfy the endorsement policy".
    if (error.code === FAILED_PRECONDITION && policy !== undefined && /endorsement policy/.test(error.message)) {
        return new LedgerError(
            'LEDGER_ERROR',
            `${transaction} failed at the ${stage} stage: the gateway finds too few organisations' peers up ` +
                `for the endorsement policy, which needs ${needs(policy)} (${error.message})`,
        );
    }
    const details = error.details.map((d) => `${d.mspId}@${d.address}: ${d.message}`).join('; ');
    return new LedgerError(
        'LEDGER_ERROR',
        `${transaction} failed at the ${stage} stage: ${error.message}${details ? ` (${details})` : ''}`,
    );
}

/**
 * COMMIT_FAILED: the commit status says the transaction is invalid, so it wrote nothing. It keeps
 * Fabric's validation code by name, so a caller can tell a read conflict (isReadConflict) from
 * the rest.
 */
export class CommitFailedError extends LedgerError {
    constructor(
        readonly transaction: string,
        readonly txId: string,
        /** The name of Fabric's validation code, e.g. MVCC_READ_CONFLICT (the number when unknown). */
        readonly validationCode: string,
    ) {
        super('COMMIT_FAILED', `${transaction} transaction ${txId} was not committed: ${validationCode}`);
    }
}

export function commitFailed(transaction: string, txId: string, validationCode: number): CommitFailedError {
    return new CommitFailedError(transaction, txId, VALIDATION_CODES[validationCode] ?? String(validationCode));
}

/**
 * True for a transaction invalidated because a transaction ordered before it changed what it read
 * (MVCC_READ_CONFLICT): it wrote nothing, and endorsing it again reads the new state.
 */
export function isReadConflict(error: unknown): boolean {
    return error instanceof CommitFailedError && error.validationCode === 'MVCC_READ_CONFLICT';
}

/** True for a gateway call that ran out of its deadline (the peer may still be working on it). */
export function isDeadlineExceeded(error: unknown): boolean {
    return error instanceof GatewayError && error.code === DEADLINE_EXCEEDED;
}

/** Why a submitted transaction's status is unknown, in one line. */
function unknownReason(error: unknown, stage: Stage, endpoint: string): string {
    if (error instanceof GatewayError && error.code === UNAVAILABLE) {
        return `the connection to the peer at ${endpoint} was lost at the ${stage} stage`;
    }
    if (isDeadlineExceeded(error)) {
        return `timed out at the ${stage} stage (peer ${endpoint})`;
    }
    const message = messageOf(error).replace(/\s+/g, ' ');
    return `${stage} stage, peer ${endpoint}: ${message}`;
}
