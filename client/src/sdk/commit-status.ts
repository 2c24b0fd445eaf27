import { Status, SubmittedTransaction, Transaction } from '@hyperledger/fabric-gateway';
import { isDeadlineExceeded } from './ledger-errors';

/**
 * The commit status of a submitted transaction, submitting the same signed transaction again
 * whenever none came within `resubmit` ms, until `commit` ms have passed. A Raft leader that dies
 * holding transactions it accepted but had not replicated loses them, and only a resubmission gets
 * them ordered. That is safe: the peers mark every copy after the first ordered one a duplicate
 * (DUPLICATE_TXID) and never report it, so the transaction takes effect once and its status is
 * that first copy's. Any other failure, or the last deadline, is thrown as the gateway gave it.
 */
export async function commitStatus(
    endorsed: Pick<Transaction, 'submit'>,
    submitted: Pick<SubmittedTransaction, 'getStatus'>,
    limits: { commit: number; resubmit: number },
): Promise<Status> {
    const deadline = Date.now() + limits.commit;
    for (let current = submitted; ; current = await endorsed.submit()) {
        const wait = Math.min(limits.resubmit, deadline - Date.now());
        try {
            return await current.getStatus({ deadline: Date.now() + wait });
        } catch (error) {
            if (!isDeadlineExceeded(error) || Date.now() >= deadline) throw error;
        }
    }
}
