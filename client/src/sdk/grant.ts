import { CredentialRecord } from '@sealpact/protocol';
import { checkRecipients } from './check-recipients';
import { withOwnFilePassword } from './file-password';
import { Keyring } from './keyring';
import { Ledger } from './ledger';
import { sealCredentials } from './seal-credentials';

/**
 * The owner gives more parties access: opens its own (second) credential and seals the file
 * password for each of them, checked as a send checks its recipients, with GrantAccess.
 */
export async function grantAccess(
    ledger: Ledger,
    keyring: Keyring | undefined,
    fileId: string,
    partyIds: string[],
): Promise<{ txId: string }> {
    const own = await ledger.read<CredentialRecord>('GetCredential', fileId);
    return withOwnFilePassword(keyring, own, async (password) => {
        const credentials = sealCredentials(await checkRecipients(ledger, partyIds), password);
        const { txId } = await ledger.submit('GrantAccess', fileId, JSON.stringify(credentials));
        return { txId };
    });
}
