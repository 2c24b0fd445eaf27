import { IdentityName } from './fixtures';

/** The outcome of a committed transaction. */
export interface TxResult {
    /** The transaction's return value (canonical JSON for every Sealpact transaction). */
    payload: string;
    txId: string;
}

/**
 * "Call a transaction as identity X": what the chaincode scenarios need from a ledger, so the same
 * scenarios run on the in-memory test peer and, through @hyperledger/fabric-gateway, on a real
 * network. A refused transaction must reject with an Error whose message contains the chaincode's
 * error message ("CODE: text").
 */
export interface Ledger {
    readonly channel: string;
    readonly chaincode: string;
    /** Endorse and commit; resolves once committed. */
    submit(identity: IdentityName, transaction: string, ...args: string[]): Promise<TxResult>;
    /** Evaluate on a peer without committing. */
    evaluate(identity: IdentityName, transaction: string, ...args: string[]): Promise<string>;
}
