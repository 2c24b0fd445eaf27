import { isSealpactError } from '@sealpact/protocol';
import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The chaincode server's own Prometheus metrics (docs/operations.md#health-and-metrics). They count
 * what this server executed: every endorsement and evaluation its peer asked for, committed or not.
 * Labels come from fixed sets (transaction names, error codes), so their number stays bounded.
 */
export const registry = new Registry();

/** Transactions that share something with other parties. */
const SHARES = new Set(['ShareFile', 'ShareContract']);
/** Refusals meaning a signature presented to the chaincode (a proof of possession, a contract signature) did not verify. */
const VERIFICATION_FAILURES = new Set(['BAD_SIGNATURE']);

const transactions = new Counter({
    name: 'sealpact_chaincode_transactions_total',
    help: 'Transactions executed, by name and outcome (ok, refused with a Sealpact error code, failed otherwise)',
    labelNames: ['transaction', 'outcome'],
    registers: [registry],
});
const refusals = new Counter({
    name: 'sealpact_chaincode_refusals_total',
    help: 'Transactions refused, by error code and transaction',
    labelNames: ['code', 'transaction'],
    registers: [registry],
});
const shares = new Counter({
    name: 'sealpact_chaincode_shares_total',
    help: 'Files and contracts shared (ShareFile, ShareContract executed without refusal)',
    labelNames: ['transaction'],
    registers: [registry],
});
const verificationFailures = new Counter({
    name: 'sealpact_chaincode_verification_failures_total',
    help: 'Proofs of possession (RegisterKeys) and contract signatures (SignContract) that did not verify',
    labelNames: ['transaction'],
    registers: [registry],
});
const duration = new Histogram({
    name: 'sealpact_chaincode_transaction_duration_seconds',
    help: 'Time to execute a transaction, refusals included',
    labelNames: ['transaction'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
});

/** Runs one transaction and counts it: its outcome, its refusal code, its duration. */
export async function measured<T>(transaction: string, execute: () => Promise<T>): Promise<T> {
    const stopTimer = duration.startTimer({ transaction });
    try {
        const result = await execute();
        transactions.inc({ transaction, outcome: 'ok' });
        if (SHARES.has(transaction)) shares.inc({ transaction });
        return result;
    } catch (err) {
        if (isSealpactError(err)) {
            transactions.inc({ transaction, outcome: 'refused' });
            refusals.inc({ code: err.code, transaction });
            if (VERIFICATION_FAILURES.has(err.code)) verificationFailures.inc({ transaction });
        } else {
            transactions.inc({ transaction, outcome: 'failed' });
        }
        throw err;
    } finally {
        stopTimer();
    }
}
