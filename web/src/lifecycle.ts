import { allPages, ContractIndexEntry, ContractRecord, CredentialRecord, FileRecord } from '@sealpact/protocol';
import { Keys, openCredential, pickable, Recipient, sealPassword } from './flows';
import { GatewaySession } from './gateway-client';

/**
 * A file's life after it is sent, from the browser, by the SDK's transactions (docs/ledger.md,
 * "Contracts"): a signer declines, the owner grants more parties access, and the lists of
 * contracts awaiting the user or started by the user. The chaincode enforces every rule; a
 * refusal reaches the page with its code.
 */

/** An awaiting signer declines a contract with a reason (1 to 500 characters): it closes `declined`. */
export async function decline(session: GatewaySession, fileId: string, reason: string): Promise<ContractRecord> {
    const { result } = await session.submit('DeclineContract', fileId, reason);
    return JSON.parse(result) as ContractRecord;
}

/**
 * The owner gives more verified parties access to its file: the file password from its own
 * credential, sealed to each of them, with GrantAccess (a party that holds a credential already
 * gets it re-sealed to its active key). The chaincode refuses anyone but the owner.
 */
export async function grant(
    session: GatewaySession,
    keys: Keys,
    fileId: string,
    recipients: Recipient[],
): Promise<FileRecord & { txId: string }> {
    const sealTo = pickable(recipients);
    const own = await session.query<CredentialRecord>('GetCredential', fileId);
    const password = await openCredential(keys, own);
    try {
        const credentials = await sealPassword(sealTo, password);
        const { result, txId } = await session.submit('GrantAccess', fileId, JSON.stringify(credentials));
        return { ...(JSON.parse(result) as FileRecord), txId };
    } finally {
        password.fill(0);
    }
}

/** The contracts awaiting the user's signature, in file id order. */
export function awaiting(session: GatewaySession): Promise<ContractIndexEntry[]> {
    return allPages<ContractIndexEntry>(session, 'ListAwaiting');
}

/** The open contracts the user started (an unrecorded expiry among them, with state `expired`). */
export function startedOpen(session: GatewaySession): Promise<ContractIndexEntry[]> {
    return allPages<ContractIndexEntry>(session, 'ListStarted', 'open');
}
