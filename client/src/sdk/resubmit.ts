import { randomInt } from 'node:crypto';
import { Committed, Ledger } from './ledger';
import { isReadConflict } from './ledger-errors';

/** How many times a transaction that lost a read conflict is endorsed and submitted again. */
export const CONFLICT_RETRIES = 5;
/** The bounds of the random wait before each retry (ms): two signers that collided do not collide again in step. */
const RETRY_WAIT_MS = { min: 50, max: 300 };

/**
 * Submit a transition of a contract, and again when a concurrent transition of the same contract
 * was ordered first: the parallel signers of one step all read and write the one contract record,
 * so all but one of those endorsed at the same moment are invalidated at commit with
 * MVCC_READ_CONFLICT (docs/ledger.md, "Concurrency"). An invalidated transaction wrote nothing, and
 * endorsing it again runs every rule against the contract as it is now (closed meanwhile, it is
 * refused with CONTRACT_CLOSED), so retrying is safe. Up to CONFLICT_RETRIES times, each after a
 * short random wait; any other failure, or the last conflict, is thrown.
 */
export async function submitRetryingConflicts(
    ledger: Ledger,
    transaction: string,
    ...args: string[]
): Promise<Committed> {
    for (let retry = 0; ; retry++) {
        try {
            return await ledger.submit(transaction, ...args);
        } catch (err) {
            if (retry >= CONFLICT_RETRIES || !isReadConflict(err)) {
                throw err;
            }
            await new Promise((resolve) => setTimeout(resolve, randomInt(RETRY_WAIT_MS.min, RETRY_WAIT_MS.max + 1)));
        }
    }
}
