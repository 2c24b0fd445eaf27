import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { SealpactError } from '@sealpact/chaincode/dist/lib/errors';

/** The stage a ledger call failed in; named in every timeout and network error. */
export type Stage = 'evaluate' | 'endorse' | 'submit' | 'commit' | 'events';

const VALIDATION_CODES = Object.fromEntries(Object.entries(StatusCode).map(([name, code]) => [code, name]));

/**
 * The chaincode's refusal ("CODE: text") from a gateway error: its own message is generic
 * ("10 ABORTED: failed to endorse transaction, see attached details for more info") and each
 * peer's detail reads "chaincode response 500, CODE: text".
 */
function chaincodeMessage(error: unknown): string | undefined {
    const texts = [String((error as Error)?.message ?? error)];
    if (error instanceof GatewayError) {
        texts.push(...error.details.map((detail) => detail.message));
    }
    for (const text of texts) {
        const match = /chaincode response \d+, ([\s\S]*)$/.exec(text);
        if (match) {
            return match[1];
        }
    }
    return undefined;
}

/**
 * Turn whatever a gateway call threw into a SealpactError that says what went wrong and where:
 * the chaincode's own code when it refused, NETWORK_DOWN when no peer answered, TIMEOUT with the
 * stage, COMMIT_FAILED with the validation code, or LEDGER_ERROR with the peers' messages.
 */
export function ledgerError(error: unknown, stage: Stage, transaction: string, endpoint: string): SealpactError {
    if (error instanceof SealpactError) {
        return error;
    }
    const refusal = chaincodeMessage(error);
    const coded = refusal === undefined ? undefined : /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(refusal);
    if (coded) {
        return new SealpactError(coded[1], coded[2]);
    }
    if (error instanceof CommitError) {
        const name = VALIDATION_CODES[error.code] ?? String(error.code);
        return new SealpactError(
            'COMMIT_FAILED',
            `${transaction} transaction ${error.transactionId} was not committed: ${name}`,
        );
    }
    if (error instanceof GatewayError) {
        if (error.code === GrpcStatus.UNAVAILABLE) {
            return new SealpactError(
                'NETWORK_DOWN',
                `${transaction}: no answer from the peer at ${endpoint} (${stage}); is the network up? (npm run network:up)`,
            );
        }
        if (error.code === GrpcStatus.DEADLINE_EXCEEDED) {
            return new SealpactError('TIMEOUT', `${transaction}: timed out at the ${stage} stage (peer ${endpoint})`);
        }
        const details = error.details.map((d) => `${d.mspId}@${d.address}: ${d.message}`).join('; ');
        return new SealpactError(
            'LEDGER_ERROR',
            `${transaction} failed at the ${stage} stage: ${error.message}${details ? ` (${details})` : ''}`,
        );
    }
    return new SealpactError(
        'LEDGER_ERROR',
        `${transaction} failed at the ${stage} stage: ${(error as Error)?.message ?? error}`,
    );
}
