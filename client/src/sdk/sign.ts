import {
    ContractView,
    CredentialRecord,
    DigestAlgorithm,
    FileRecord,
    hashOf,
    isSealpactError,
    SignatureRecordV3,
    signingStatement,
    signingPlace,
} from '@sealpact/protocol';
import { deriveCommitmentKey, plaintextCommitment } from '../crypto/commitment';
import { signDetached } from '../crypto/signature';
import { withOwnFilePassword } from './file-password';
import { Keyring, requireKeyring } from './keyring';
import { Ledger } from './ledger';
import { submitRetryingConflicts } from './resubmit';

/** The signer: its ledger, its keyring and its party id. */
export interface Signer {
    ledger: Ledger;
    keyring?: Keyring;
    partyId: string;
}

/**
 * The signer signs the contract: signing statement v3 binds the file id, a keyed commitment to the
 * plaintext at `contractPath` (HMAC under the file's commitment key, streamed in constant memory),
 * the ciphertext digest on record, the file's signing plan (its hash) and the signer's step in it,
 * the signer and its key; signed with the active signing key and verified by the chaincode when
 * SignContract records it (docs/ledger.md#contract-signing-statement). The file and its plan are
 * verified reads. A signature that lost a read conflict to a co-signer's is submitted again
 * (resubmit.ts): the statement stays true while the contract is open.
 */
export async function signContract(
    signer: Signer,
    fileId: string,
    contractPath: string,
): Promise<SignatureRecordV3 & { txId: string }> {
    const { ledger, keyring, partyId } = signer;
    const file = await ledger.read<FileRecord>('GetFile', fileId);
    const place = signingPlace(await contractOf(ledger, fileId), partyId);
    const key = await requireKeyring(keyring).active('signing');
    const commitmentKey = await fileCommitmentKey(ledger, keyring, file);
    let commitment: string;
    try {
        commitment = await plaintextCommitment(commitmentKey, contractPath, file.digestAlgorithm);
    } finally {
        commitmentKey.fill(0);
    }
    const statement = signingStatement({
        fileId,
        digestAlgorithm: file.digestAlgorithm,
        plaintextCommitment: commitment,
        ciphertextDigest: file.ciphertextDigest,
        ...place,
        signer: partyId,
        signingKey: key.publicKey.fingerprint,
    });
    const signature = signDetached(key, Buffer.from(statement));
    const committed = await submitRetryingConflicts(
        ledger,
        'SignContract',
        fileId,
        statement,
        signature.toString('base64'),
    );
    return { ...(JSON.parse(committed.payload) as SignatureRecordV3), txId: committed.txId };
}

/** The file's contract as a verified read (GetContract), or undefined when it has none. */
async function contractOf(ledger: Ledger, fileId: string): Promise<ContractView | undefined> {
    try {
        return await ledger.read<ContractView>('GetContract', fileId);
    } catch (err) {
        if (isSealpactError(err, 'NOT_FOUND')) {
            return undefined;
        }
        throw err;
    }
}

/**
 * The file's commitment key K = HKDF(file password, file id), for whoever should check a copy of the
 * contract against the signing statements without the file password. Needs an active credential.
 */
export async function commitmentKey(
    ledger: Ledger,
    keyring: Keyring | undefined,
    fileId: string,
): Promise<{ fileId: string; digestAlgorithm: DigestAlgorithm; key: Buffer }> {
    const file = await ledger.read<FileRecord>('GetFile', fileId);
    return {
        fileId: file.fileId,
        // The commitment's HMAC hash, which the file's digest algorithm is built on (sha256-tree: sha256).
        digestAlgorithm: hashOf(file.digestAlgorithm),
        key: await fileCommitmentKey(ledger, keyring, file),
    };
}

/** This party's commitment key for a file, from the file password in its own credential. The caller zeroes it. */
async function fileCommitmentKey(ledger: Ledger, keyring: Keyring | undefined, file: FileRecord): Promise<Buffer> {
    const credential = await ledger.read<CredentialRecord>('GetCredential', file.fileId);
    return withOwnFilePassword(keyring, credential, (password) =>
        deriveCommitmentKey(password, file.fileId, file.digestAlgorithm),
    );
}
