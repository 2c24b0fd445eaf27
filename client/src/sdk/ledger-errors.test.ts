import { Metadata, ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { ChaincodeError, LedgerError, SealpactError } from '@sealpact/protocol';
import {
    commitFailed,
    CommitFailedError,
    CommitUnknownError,
    endorsersMayCatchUp,
    isReadConflict,
    ledgerError,
    mayHaveCommitted,
    Stage,
} from './ledger-errors';
import { defined } from '../../../protocol/src/test-support/defined';
import { EndorsementPolicy } from '../verify/channel-config';

// The error values fabric-gateway raises, built as it builds them from a gRPC status; no network.
const TX = 'a'.repeat(64);
const ENDPOINT = '127.0.0.1:7051';

function cause(code: GrpcStatus, text: string): ServiceError {
    return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${text}`), {
        code,
        details: text,
        metadata: new Metadata(),
    });
}

function gatewayError(code: GrpcStatus, text = 'failed'): GatewayError {
    return new GatewayError({ code, details: [], cause: cause(code, text), message: cause(code, text).message });
}

function endorseError(code: GrpcStatus, text = 'failed'): EndorseError {
    const c = cause(code, text);
    return new EndorseError({ code, details: [], cause: c, transactionId: TX, message: c.message });
}

function commitStatusError(code: GrpcStatus, text = 'failed'): CommitStatusError {
    const c = cause(code, text);
    return new CommitStatusError({ code, details: [], cause: c, transactionId: TX, message: c.message });
}

const refusal = endorseError(GrpcStatus.ABORTED, 'failed to endorse transaction');
refusal.details.push({ address: 'peer0', mspId: 'Org1MSP', message: 'chaincode response 500, DUPLICATE_ID: taken' });

describe('mayHaveCommitted: which failed submits may still commit (keep what they refer to)', () => {
    const table: [Stage, string, unknown, boolean][] = [
        ['endorse', 'a chaincode refusal', refusal, false],
        ['endorse', 'a lost connection', endorseError(GrpcStatus.UNAVAILABLE), false],
        ['endorse', 'a timeout', endorseError(GrpcStatus.DEADLINE_EXCEEDED), false],
        ['submit', 'signing failed before the call', new Error('HSM unavailable'), false],
        ['submit', 'the orderer refused it (ABORTED)', gatewayError(GrpcStatus.ABORTED, 'status=BAD_REQUEST'), false],
        ['submit', 'an unsigned request (INVALID_ARGUMENT)', gatewayError(GrpcStatus.INVALID_ARGUMENT), false],
        ['submit', 'an unknown channel (FAILED_PRECONDITION)', gatewayError(GrpcStatus.FAILED_PRECONDITION), false],
        ['submit', 'a lost connection', gatewayError(GrpcStatus.UNAVAILABLE, 'Connection dropped'), true],
        ['submit', 'a timeout', gatewayError(GrpcStatus.DEADLINE_EXCEEDED), true],
        ['submit', 'a cancelled call', gatewayError(GrpcStatus.CANCELLED), true],
        ['submit', 'an internal error', gatewayError(GrpcStatus.INTERNAL), true],
        ['commit', 'a lost connection', commitStatusError(GrpcStatus.UNAVAILABLE), true],
        ['commit', 'a timeout', commitStatusError(GrpcStatus.DEADLINE_EXCEEDED), true],
        ['commit', 'a refused status request', commitStatusError(GrpcStatus.PERMISSION_DENIED), true],
        ['commit', 'a listener that threw', new Error('progress bar broke'), true],
        [
            'commit',
            'a status that says invalid',
            new CommitError({ code: StatusCode.MVCC_READ_CONFLICT, transactionId: TX }),
            false,
        ],
    ];
    it.each(table)('%s stage, %s: %p', (stage, _what, error, expected) => {
        expect(mayHaveCommitted(error, stage)).toBe(expected);
    });
});

describe('ledgerError', () => {
    function mapped(error: unknown, stage: Stage): SealpactError {
        return ledgerError(error, stage, 'ShareFile', ENDPOINT, stage === 'endorse' ? undefined : TX);
    }

    it('a lost connection at the commit stage is COMMIT_UNKNOWN with the tx id, in one line', () => {
        const err = mapped(commitStatusError(GrpcStatus.UNAVAILABLE, 'Connection dropped'), 'commit');
        expect(err).toBeInstanceOf(CommitUnknownError);
        expect(err).toMatchObject({ code: 'COMMIT_UNKNOWN', txId: TX, stage: 'commit', transaction: 'ShareFile' });
        expect(err.message).toBe(
            `COMMIT_UNKNOWN: ShareFile ${TX} was handed to the orderer but its commit status is unknown ` +
                `(the connection to the peer at ${ENDPOINT} was lost at the commit stage)`,
        );
    });

    it('a timeout at the submit stage is COMMIT_UNKNOWN: the orderer may have the transaction', () => {
        const err = mapped(gatewayError(GrpcStatus.DEADLINE_EXCEEDED), 'submit');
        expect(err.code).toBe('COMMIT_UNKNOWN');
        expect(err.message).toBe(
            `COMMIT_UNKNOWN: ShareFile ${TX} may have reached the orderer but its commit status is unknown ` +
                `(timed out at the submit stage (peer ${ENDPOINT}))`,
        );
    });

    it('any other error at the commit stage is COMMIT_UNKNOWN, its text on one line', () => {
        const err = mapped(new Error('line one\nline two'), 'commit');
        expect(err.message).toMatch(/\(commit stage, peer 127\.0\.0\.1:7051: line one line two\)$/);
        expect(err.message).not.toContain('\n');
    });

    it('an orderer refusal at the submit stage is a definite LEDGER_ERROR', () => {
        expect(mapped(gatewayError(GrpcStatus.ABORTED, 'status=BAD_REQUEST'), 'submit').code).toBe('LEDGER_ERROR');
    });

    it('failures before the orderer keep their codes: refusal, NETWORK_DOWN, TIMEOUT', () => {
        expect(mapped(refusal, 'endorse')).toMatchObject({ code: 'DUPLICATE_ID', message: 'DUPLICATE_ID: taken' });
        expect(mapped(refusal, 'endorse')).toBeInstanceOf(ChaincodeError);
        expect(mapped(endorseError(GrpcStatus.UNAVAILABLE), 'endorse').code).toBe('NETWORK_DOWN');
        expect(mapped(endorseError(GrpcStatus.DEADLINE_EXCEEDED), 'endorse').code).toBe('TIMEOUT');
        expect(ledgerError(gatewayError(GrpcStatus.UNAVAILABLE), 'evaluate', 'GetFile', ENDPOINT).code).toBe(
            'NETWORK_DOWN',
        );
    });

    it('a refusal with a code the chaincode does not raise is LEDGER_ERROR keeping its text', () => {
        const odd = endorseError(GrpcStatus.ABORTED, 'failed to endorse transaction');
        odd.details.push({ address: 'peer0', mspId: 'Org1MSP', message: 'chaincode response 500, NO_SUCH_CODE: odd' });
        const err = mapped(odd, 'endorse');
        expect(err).toBeInstanceOf(LedgerError);
        expect(err.message).toBe('LEDGER_ERROR: ShareFile was refused by the chaincode: NO_SUCH_CODE: odd');
        // USAGE is a code, but not one the chaincode raises.
        defined(odd.details[0]).message = 'chaincode response 500, USAGE: odd';
        expect(mapped(odd, 'endorse').code).toBe('LEDGER_ERROR');
    });

    it("a refusal at evaluate, in the words of Fabric's gateway, keeps the chaincode's code", () => {
        const text = 'evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: no file f-1';
        const err = ledgerError(gatewayError(GrpcStatus.UNKNOWN, text), 'evaluate', 'GetFile', ENDPOINT);
        expect(err).toBeInstanceOf(ChaincodeError);
        expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'NOT_FOUND: no file f-1' });
    });

    it('any other gateway failure is LEDGER_ERROR naming the stage and what each peer said', () => {
        const failed = endorseError(GrpcStatus.INTERNAL, 'failed to collect enough transaction endorsements');
        failed.details.push({ address: 'peer0:9051', mspId: 'Org2MSP', message: 'chaincode not installed' });
        expect(mapped(failed, 'endorse').message).toBe(
            `LEDGER_ERROR: ShareFile failed at the endorse stage: 13 INTERNAL: failed to collect enough transaction ` +
                `endorsements (Org2MSP@peer0:9051: chaincode not installed)`,
        );
        expect(mapped(new Error('no gateway'), 'endorse').message).toBe(
            'LEDGER_ERROR: ShareFile failed at the endorse stage: no gateway',
        );
    });

    it('a commit status that says invalid is COMMIT_FAILED naming the validation code', () => {
        const message = `COMMIT_FAILED: ShareFile transaction ${TX} was not committed: MVCC_READ_CONFLICT`;
        expect(commitFailed('ShareFile', TX, StatusCode.MVCC_READ_CONFLICT).message).toBe(message);
        const invalid = new CommitError({ code: StatusCode.MVCC_READ_CONFLICT, transactionId: TX });
        expect(mapped(invalid, 'commit')).toMatchObject({ code: 'COMMIT_FAILED', message });
    });

    it('COMMIT_FAILED keeps the validation code, so a read conflict is told from any other invalidation', () => {
        const conflict = mapped(new CommitError({ code: StatusCode.MVCC_READ_CONFLICT, transactionId: TX }), 'commit');
        expect(conflict).toBeInstanceOf(CommitFailedError);
        expect(conflict).toMatchObject({ transaction: 'ShareFile', txId: TX, validationCode: 'MVCC_READ_CONFLICT' });
        expect(isReadConflict(conflict)).toBe(true);
        const endorsement = commitFailed('ShareFile', TX, StatusCode.ENDORSEMENT_POLICY_FAILURE);
        expect(endorsement.validationCode).toBe('ENDORSEMENT_POLICY_FAILURE');
        expect(isReadConflict(endorsement)).toBe(false);
        // A code this library does not name is kept as its number.
        expect(commitFailed('ShareFile', TX, 999).message).toBe(
            `COMMIT_FAILED: ShareFile transaction ${TX} was not committed: 999`,
        );
        expect(isReadConflict(new LedgerError('COMMIT_FAILED', 'MVCC_READ_CONFLICT in a message only'))).toBe(false);
    });

    it('a CommitUnknownError can carry what the caller kept', () => {
        const err = new CommitUnknownError('ShareFile', TX, 'commit', 'why', 'the blob is kept');
        expect(err.message).toBe(
            `COMMIT_UNKNOWN: ShareFile ${TX} was handed to the orderer but its commit status is unknown (why); the blob is kept`,
        );
    });
});

const MAJORITY: EndorsementPolicy = {
    rule: 'MAJORITY',
    subPolicy: 'Endorsement',
    orgPolicies: ['AuditorOrgMSP', 'AuthorityOrgMSP', 'Org1MSP', 'Org2MSP'].map((mspId) => ({
        org: mspId.replace(/MSP$/, ''),
        mspId,
        policy: { rule: { signedBy: 0 }, principals: [{ mspId, role: 'peer' }] },
    })),
};
const TIMED_OUT = 'rpc error: code = DeadlineExceeded desc = context deadline exceeded';
const REFUSED = 'rpc error: code = Unavailable desc = connection error: dial tcp 127.0.0.1:9051: connect: refused';

/** The gateway's answer when endorsers it asked did not answer: ABORTED, one detail per peer. */
function endorsementFailure(...details: [string, string][]): EndorseError {
    const error = endorseError(
        GrpcStatus.ABORTED,
        'failed to collect enough transaction endorsements, see attached details for more info',
    );
    error.details.push(...details.map(([mspId, message]) => ({ address: `peer0.${mspId}:7051`, mspId, message })));
    return error;
}

describe('ledgerError: endorsers that did not answer', () => {
    function mapped(error: unknown, policy?: EndorsementPolicy): string {
        return ledgerError(error, 'endorse', 'ShareFile', ENDPOINT, undefined, policy).message;
    }

    it('names who answered, who did not and why, and what the policy needs, in the channel order', () => {
        const error = endorsementFailure(
            ['AuthorityOrgMSP', TIMED_OUT],
            ['AuditorOrgMSP', TIMED_OUT],
            ['AuditorOrgMSP', TIMED_OUT],
        );
        expect(ledgerError(error, 'endorse', 'ShareFile', ENDPOINT, undefined, MAJORITY).code).toBe('LEDGER_ERROR');
        expect(mapped(error, MAJORITY)).toBe(
            'LEDGER_ERROR: ShareFile failed at the endorse stage: only 2 of 4 organisations answered (Org1MSP, ' +
                'Org2MSP); AuditorOrgMSP and AuthorityOrgMSP did not (timeout); the endorsement policy needs MAJORITY (3 of 4)',
        );
    });

    it('gives each its reason when they differ, and without the policy says only who did not answer', () => {
        const error = endorsementFailure(['AuthorityOrgMSP', REFUSED], ['AuditorOrgMSP', TIMED_OUT]);
        expect(mapped(error, MAJORITY)).toBe(
            'LEDGER_ERROR: ShareFile failed at the endorse stage: only 2 of 4 organisations answered (Org1MSP, ' +
                'Org2MSP); AuditorOrgMSP (timeout) and AuthorityOrgMSP (unreachable) did not; the endorsement ' +
                'policy needs MAJORITY (3 of 4)',
        );
        expect(mapped(endorsementFailure(['Org2MSP', TIMED_OUT]))).toBe(
            'LEDGER_ERROR: ShareFile failed at the endorse stage: Org2MSP did not answer (timeout), so the ' +
                'endorsement policy could not be satisfied',
        );
    });

    it('does not count a peer the gateway left out as down as one that answered', () => {
        expect(mapped(endorsementFailure(['AuthorityOrgMSP', TIMED_OUT]), MAJORITY)).toBe(
            "LEDGER_ERROR: ShareFile failed at the endorse stage: AuthorityOrgMSP did not answer (timeout) and the gateway counts other organisations' peers as down; the endorsement policy needs MAJORITY (3 of 4)",
        );
    });

    it('says what the policy needs when discovery finds too few peers up', () => {
        const text = 'no combination of peers can be derived which satisfy the endorsement policy: no peer combination';
        expect(mapped(endorseError(GrpcStatus.FAILED_PRECONDITION, text), MAJORITY)).toBe(
            "LEDGER_ERROR: ShareFile failed at the endorse stage: the gateway finds too few organisations' peers up " +
                `for the endorsement policy, which needs MAJORITY (3 of 4) (9 FAILED_PRECONDITION: ${text})`,
        );
        // Another precondition, or no policy known: the gateway's words.
        expect(mapped(endorseError(GrpcStatus.FAILED_PRECONDITION, 'channel not found'), MAJORITY)).toBe(
            'LEDGER_ERROR: ShareFile failed at the endorse stage: 9 FAILED_PRECONDITION: channel not found',
        );
    });
});

describe('endorsersMayCatchUp: endorsement tried again only when the peers merely disagreed', () => {
    const disagreement = endorseError(
        GrpcStatus.ABORTED,
        'failed to collect enough transaction endorsements, see attached details for more info',
    );
    it.each<[string, unknown, boolean]>([
        ['peers whose answers differed (one a block behind)', disagreement, true],
        ['a chaincode refusal by the gateway peer itself', refusal, false],
        [
            'refusals by other organisations only (their peers a block behind the gateway peer)',
            endorsementFailure(['Org2MSP', 'chaincode response 500, NOT_FOUND: no file f1']),
            true,
        ],
        [
            'refusals by the gateway peer and another organisation',
            endorsementFailure(
                ['Org1MSP', 'chaincode response 500, NOT_FOUND: no file f1'],
                ['Org2MSP', 'chaincode response 500, NOT_FOUND: no file f1'],
            ),
            false,
        ],
        ['a lost connection', endorseError(GrpcStatus.UNAVAILABLE), false],
        ['a timeout', endorseError(GrpcStatus.DEADLINE_EXCEEDED), false],
        ['endorsers that did not answer (too few left)', endorsementFailure(['AuditorOrgMSP', TIMED_OUT]), false],
        ['not a gateway error', new Error('ABORTED'), false],
    ])('%s: %s', (_case, error, retry) => {
        expect(endorsersMayCatchUp(error, 'Org1MSP')).toBe(retry);
    });
});
