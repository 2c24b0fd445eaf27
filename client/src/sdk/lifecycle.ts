import { allPages, ContractIndexEntry, ContractRecord, ContractState, ContractView } from '@sealpact/protocol';
import { Ledger } from './ledger';
import { submitRetryingConflicts } from './resubmit';

/**
 * A contract's lifecycle apart from signing (sign.ts): declining, voiding, recording the expiry,
 * reading the contract and listing contracts (docs/ledger.md, "Contracts"). The chaincode enforces
 * every rule; these calls only carry them.
 */

/** A transition as it committed: the contract record it wrote, and its transaction. */
export type Transition = ContractRecord & { txId: string };

/** An awaiting signer declines, with a reason (1 to 500 characters): the contract is closed `declined`. */
export async function declineContract(ledger: Ledger, fileId: string, reason: string): Promise<Transition> {
    return transition(ledger, 'DeclineContract', fileId, reason);
}

/** The owner voids its open contract before the deadline, with a reason: it is closed `voided`. */
export async function voidContract(ledger: Ledger, fileId: string, reason: string): Promise<Transition> {
    return transition(ledger, 'VoidContract', fileId, reason);
}

/** The owner or a holder of an active credential records that the deadline passed: `expired`. */
export async function expireContract(ledger: Ledger, fileId: string): Promise<Transition> {
    return transition(ledger, 'ExpireContract', fileId);
}

/**
 * A transition, submitted again when it lost a read conflict to a concurrent one of the same
 * contract (resubmit.ts): a decline racing a co-signer's signature is not lost to it.
 */
async function transition(ledger: Ledger, transaction: string, ...args: string[]): Promise<Transition> {
    const committed = await submitRetryingConflicts(ledger, transaction, ...args);
    return { ...(JSON.parse(committed.payload) as ContractRecord), txId: committed.txId };
}

/** The contract with its state in force (a verified read): what a party decides on. */
export async function readContract(ledger: Ledger, fileId: string): Promise<ContractView> {
    return ledger.read<ContractView>('GetContract', fileId);
}

/** The contracts awaiting the caller's signature, in file id order (all pages of ListAwaiting). */
export async function contractsAwaiting(ledger: Ledger): Promise<ContractIndexEntry[]> {
    return allPages<ContractIndexEntry>(ledger, 'ListAwaiting');
}

/**
 * The contracts the caller started, all of them, or those in `state` now. ListStarted files them
 * by recorded state, and an open contract past its deadline stays filed under `open` (with state
 * `expired`) until its expiry is recorded; so `open` leaves those out, and `expired` adds them
 * after the recorded expiries.
 */
export async function contractsStarted(ledger: Ledger, state?: ContractState): Promise<ContractIndexEntry[]> {
    if (state === undefined) {
        return allPages<ContractIndexEntry>(ledger, 'ListStarted', '');
    }
    const filed = await allPages<ContractIndexEntry>(ledger, 'ListStarted', state);
    const unrecorded = state === 'expired' ? await allPages<ContractIndexEntry>(ledger, 'ListStarted', 'open') : [];
    return [...filed, ...unrecorded].filter((entry) => entry.state === state);
}
