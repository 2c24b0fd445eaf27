import { Transform } from 'node:stream';
import { CredentialRecord, FileRecord, isSealpactError, Suite } from '@sealpact/protocol';
import { decryptToFile } from '../crypto/filecipher';
import { BlobStore } from '../store/blob-store';
import { withOwnFilePassword } from './file-password';
import { Keyring } from './keyring';
import { Ledger } from './ledger';

export interface ReceiveResult {
    fileId: string;
    out: string;
    suite: Suite;
    ciphertextDigest: string;
    size: number;
}

/** The recipient: its ledger, the blob store and its keyring. */
export interface Recipient {
    ledger: Ledger;
    store: BlobStore;
    keyring?: Keyring;
}

/**
 * The signer decrypts: fetch the caller's own credential, open it with the matching private key,
 * download the blob and decrypt it into a temporary file next to `out`, which becomes `out` only
 * once every chunk authenticated and the container's digest equalled the one on the ledger.
 *
 * @throws BLOB_TAMPERED, CHUNK_AUTH_FAILED or DIGEST_MISMATCH for a blob that is not the file on
 * record; nothing is left at `out`
 */
export async function receive(
    recipient: Recipient,
    fileId: string,
    out: string,
    options: { meter?: (size: number) => Transform } = {},
): Promise<ReceiveResult> {
    const { ledger, store, keyring } = recipient;
    const credential = await untilCommittedHere(() => ledger.read<CredentialRecord>('GetCredential', fileId));
    const file = await ledger.read<FileRecord>('GetFile', fileId);
    return withOwnFilePassword(keyring, credential, async (password) => {
        const blob = await store.get(file.locator);
        const info = await decryptToFile(blob, out, {
            password,
            aad: fileId,
            digestAlgorithm: file.digestAlgorithm,
            expectedDigest: file.ciphertextDigest,
            meter: options.meter?.(file.size),
        });
        return { fileId, out, suite: info.suite, ciphertextDigest: info.digest, size: info.size };
    });
}

/**
 * A send returns once the sender's peer committed; the recipient's peer, in another organisation,
 * may commit a moment later. So a file id the recipient just heard of may be NOT_FOUND briefly:
 * retry that one refusal for a few seconds before reporting it.
 */
async function untilCommittedHere<T>(read: () => Promise<T>, attempts = 25, delayMs = 200): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await read();
        } catch (err) {
            if (!isSealpactError(err, 'NOT_FOUND') || attempt >= attempts) {
                throw err;
            }
            await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
    }
}
