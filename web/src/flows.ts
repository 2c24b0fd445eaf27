import {
    allPages,
    AuditEntry,
    auditTrail,
    base64ToBytes,
    bytesToBase64,
    bytesToHex,
    checkedPlan,
    ClientError,
    ContractRecord,
    ContractView,
    CredentialInput,
    commitmentHash,
    CredentialRecord,
    CryptoError,
    deriveCommitmentKey,
    Drawing,
    FileRecord,
    generateFilePassword,
    IndexEntry,
    isSealpactError,
    keyRegistrationStatement,
    PartyView,
    PublicKeyInfo,
    parsePublicKey,
    readAuditRecords,
    SignatureRecord,
    signingPlace,
    signingStatement,
    Suite,
    SUITE_CIPHERTEXT_DIGEST,
    SUITE_DIGEST,
    utf8,
    WebError,
    WhoAmI,
} from '@sealpact/protocol';
import { blobPieces, streamPieces } from './byte-reader';
import { containerSize, decryptContainer, encryptContainer } from './container';
import { sealEnvelope } from './envelope';
import { GatewaySession, LedgerSession } from './gateway-client';
import { Keys, openWith, PageKey, publicKeyOf, signWith } from './page-keys';
import { plaintextCommitment } from './plaintext-commitment';
import { browserPrimitives } from './primitives';
import { digesting, TreeDigest } from './tree-digest';

/** Progress of a long operation, 0 to 1. */
export type Progress = (fraction: number) => void;

/** The suite the page sends in unless the user picks the other (the SDK and the CLI make one choose). */
export const DEFAULT_SUITE: Suite = 'intl';

/**
 * The patent's steps in the browser, as the Node SDK takes them (docs/overview.md): register keys,
 * send (password from the drawing, encrypt, seal, upload, ShareFile), open (credential, download,
 * digest check, decrypt) and sign. Keys, passwords and plaintext stay in this page; the gateway
 * relays ciphertext and requests this page signed.
 */

export type { Keys } from './page-keys';

/** Register the keys, each proving possession by signing the key-registration statement; also a rotation. */
export async function registerKeys(session: LedgerSession, keys: Keys): Promise<PartyView> {
    const me = await session.query<WhoAmI>('WhoAmI');
    const encryption = publicKeyOf(keys.encryption);
    const signing = publicKeyOf(keys.signing);
    const statement = utf8(
        keyRegistrationStatement({
            channel: me.channel,
            chaincode: me.chaincode,
            partyId: me.partyId,
            sequence: me.nextKeySequence,
            encryptionKey: encryption.fingerprint,
            signingKey: signing.fingerprint,
        }),
    );
    const proof = async (key: PageKey) => bytesToBase64(await signWith(key, statement));
    const { result } = await session.submit(
        'RegisterKeys',
        encryption.pem,
        await proof(keys.encryption),
        signing.pem,
        await proof(keys.signing),
    );
    return JSON.parse(result) as PartyView;
}

/** A party as the registry has it: its active encryption key, and whether it is verified now. */
export interface Recipient {
    partyId: string;
    verified: boolean;
    /** Absent when the party has no active encryption key (or is not registered). */
    key?: PublicKeyInfo;
}

export async function lookUp(session: GatewaySession, partyId: string): Promise<Recipient> {
    let party: PartyView;
    try {
        party = await session.query<PartyView>('GetParty', partyId);
    } catch (error) {
        // A read that did not verify is a lie about someone's key: refused, never taken as "unknown".
        if (isSealpactError(error, 'UNVERIFIED_READ')) throw error;
        return { partyId, verified: false };
    }
    const record = party.keys.find((key) => key.fingerprint === party.encryptionKey);
    return { partyId, verified: party.verified, key: record && parsePublicKey(record.publicKeyPem) };
}

export interface SendResult {
    fileId: string;
    txId: string;
    digest: string;
    /** The contract recorded with the file, when it was sent with a signing plan. */
    contract?: ContractRecord;
}

/** A signing plan as the page picks it: party ids per step, in order (none: a plain file), and a deadline. */
export interface PlanChoice {
    signers?: string[][];
    /** Only with signers: checkedPlan refuses a deadline without a plan. */
    deadline?: Date;
}

/**
 * Send a file to verified recipients: the file password from the drawing (docs/password.md),
 * the container of the suite, the password sealed to each recipient and to the sender, the
 * ciphertext uploaded as it is encrypted (its tree digest computed on the way), then ShareFile;
 * with a signing plan (checked first, as the SDK checks it), ShareContract, which records the
 * file and its contract in one transaction. The file is read in slices: the page never holds it
 * whole.
 */
export async function send(
    session: GatewaySession,
    keys: Keys,
    plaintext: Blob,
    recipients: Recipient[],
    drawing: Drawing,
    progress: Progress,
    suite: Suite = DEFAULT_SUITE,
    plan?: PlanChoice,
): Promise<SendResult> {
    const sealTo = pickable(recipients);
    const signingPlan = checkedPlan({
        sender: session.partyId,
        to: sealTo.map((r) => r.partyId),
        signers: plan?.signers,
        deadline: plan?.deadline,
    });
    sealTo.push({ partyId: session.partyId, key: publicKeyOf(keys.encryption) });
    const password = generateFilePassword({ drawing, hash: SUITE_DIGEST[suite] }, browserPrimitives, {
        now: Date.now,
        freeMemory: freeMemory,
    });
    const fileId = `f-${bytesToHex(browserPrimitives.randomBytes(12))}`;
    try {
        const digestAlgorithm = SUITE_CIPHERTEXT_DIGEST[suite];
        const digest = new TreeDigest(digestAlgorithm);
        const size = containerSize(plaintext.size, suite, fileId);
        const container = digesting(encryptContainer(blobPieces(plaintext), password, fileId, suite), digest);
        let computed = '';
        const blob = await session.uploadBlob(
            container,
            digestAlgorithm,
            size,
            async () => (computed = await digest.digest()),
            (sent) => {
                progress((0.9 * sent) / size);
            },
        );
        if (blob.digest !== computed) {
            throw new CryptoError('DIGEST_MISMATCH', 'the store named the upload by another digest');
        }
        const credentials = await sealPassword(sealTo, password);
        const share = [
            fileId,
            suite,
            digestAlgorithm,
            computed,
            String(blob.size),
            blob.locator,
            JSON.stringify(credentials),
        ];
        const { txId, result } =
            signingPlan === undefined
                ? await session.submit('ShareFile', ...share)
                : await session.submit('ShareContract', ...share, JSON.stringify(signingPlan));
        progress(1);
        const contract = signingPlan && (JSON.parse(result) as { contract: ContractRecord }).contract;
        return { fileId, txId, digest: computed, ...(contract && { contract }) };
    } finally {
        password.fill(0);
    }
}

/** Recipients the password may be sealed to: verified parties with an encryption key (BAD_ARGUMENT otherwise). */
export function pickable(recipients: Recipient[]): Array<{ partyId: string; key: PublicKeyInfo }> {
    return recipients.map((r) => {
        if (!r.verified || r.key === undefined) {
            throw new ClientError('BAD_ARGUMENT', `${r.partyId} is not a verified party with an encryption key`);
        }
        return { partyId: r.partyId, key: r.key };
    });
}

/** The file password sealed to each party's key: the credentials ShareFile and GrantAccess take. */
export function sealPassword(
    to: Array<{ partyId: string; key: PublicKeyInfo }>,
    password: Uint8Array,
): Promise<CredentialInput[]> {
    return Promise.all(
        to.map(async ({ partyId, key }) => ({
            partyId,
            keyFingerprint: key.fingerprint,
            algorithm: key.algorithm,
            envelope: bytesToBase64(await sealEnvelope(key, password)),
        })),
    );
}

/** The free memory the page can tell: Chromium's JS heap headroom, else 0 (docs/web.md). */
function freeMemory(): number {
    const memory = (performance as Performance & { memory?: { jsHeapSizeLimit: number; usedJSHeapSize: number } })
        .memory;
    return memory === undefined ? 0 : Math.max(0, memory.jsHeapSizeLimit - memory.usedJSHeapSize);
}

/** Every file shared with the user, oldest first. */
export function inbox(session: GatewaySession): Promise<IndexEntry[]> {
    return allPages<IndexEntry>(session, 'ListInbox');
}

/** A file's audit trail (auditors, the owner, recipients): the SDK's own rule over the same records. */
export async function audit(session: GatewaySession, fileId: string): Promise<AuditEntry[]> {
    return auditTrail(await readAuditRecords(session, fileId));
}

/** An opened file: its record, its plaintext and the password (kept to sign; zero it when done). */
export interface Opened {
    file: FileRecord;
    /** Built from the decrypted chunks: Chromium keeps a large Blob out of the JavaScript heap. */
    plaintext: Blob;
    password: Uint8Array;
}

/**
 * Open a file: the user's credential opened with the encryption key, the ciphertext downloaded as
 * a stream, its tree digest computed and its chunks decrypted as they arrive. The plaintext is
 * released only once the whole download matched the digest on the ledger (DIGEST_MISMATCH,
 * which wins over any chunk refusal the altered bytes caused) and the final chunk verified.
 */
export async function open(session: GatewaySession, keys: Keys, fileId: string, progress: Progress): Promise<Opened> {
    const file = await session.query<FileRecord>('GetFile', fileId);
    const credential = await session.query<CredentialRecord>('GetCredential', fileId);
    if (file.digestAlgorithm !== SUITE_CIPHERTEXT_DIGEST[file.suite]) {
        throw new CryptoError(
            'DIGEST_MISMATCH',
            `${fileId} records a ${file.digestAlgorithm} digest, not its suite's tree digest`,
        );
    }
    const password = await openCredential(keys, credential);
    const digest = new TreeDigest(file.digestAlgorithm);
    const download = digesting(streamPieces(await session.getBlob(file.locator)), digest);
    let plaintext = new Blob([]);
    let received = 0;
    const mismatch = async () => (await digest.digest()) !== file.ciphertextDigest;
    const refused = () =>
        new CryptoError('DIGEST_MISMATCH', `the downloaded ciphertext of ${fileId} is not the one on the ledger`);
    try {
        for await (const chunk of decryptContainer(download, password, fileId)) {
            plaintext = new Blob([plaintext, chunk as BlobPart]);
            received += chunk.length;
            progress(Math.min(1, received / Math.max(1, file.size)));
        }
    } catch (error) {
        password.fill(0);
        await drain(download); // the rest of the bytes, to tell an altered blob from a bad chunk
        if (await mismatch()) throw refused();
        throw error;
    }
    if (await mismatch()) {
        password.fill(0);
        throw refused();
    }
    return { file, plaintext, password };
}

async function drain(pieces: AsyncIterable<Uint8Array>): Promise<void> {
    const iterator = pieces[Symbol.asyncIterator]();
    while (!(await iterator.next()).done);
}

/** A file's contract with its state in force, or undefined when the file was shared without a plan. */
export async function contractOf(session: GatewaySession, fileId: string): Promise<ContractView | undefined> {
    try {
        return await session.query<ContractView>('GetContract', fileId);
    } catch (error) {
        if (isSealpactError(error, 'NOT_FOUND')) return undefined;
        throw error;
    }
}

/**
 * Sign an opened file: signing statement v3 binding the file id, the keyed commitment to the
 * plaintext, the ciphertext digest, the file's plan hash and the signer's step in it (none for a
 * file shared without a contract) and the signer's key. The chaincode decides whose turn it is.
 */
export async function sign(session: GatewaySession, keys: Keys, opened: Opened): Promise<string> {
    const { file } = opened;
    const place = signingPlace(await contractOf(session, file.fileId), session.partyId);
    const commitmentKey = deriveCommitmentKey(opened.password, file.fileId, file.digestAlgorithm, browserPrimitives);
    const hash = commitmentHash(file.digestAlgorithm);
    const commitment = bytesToHex(await plaintextCommitment(hash, commitmentKey, opened.plaintext));
    commitmentKey.fill(0);
    const signingKey = publicKeyOf(keys.signing);
    const statement = signingStatement({
        fileId: file.fileId,
        digestAlgorithm: file.digestAlgorithm,
        plaintextCommitment: commitment,
        ciphertextDigest: file.ciphertextDigest,
        ...place,
        signer: session.partyId,
        signingKey: signingKey.fingerprint,
    });
    const signature = await signWith(keys.signing, utf8(statement));
    const { txId } = await session.submit('SignContract', file.fileId, statement, bytesToBase64(signature));
    return txId;
}

/** The file password a credential holds, opened with the kept key it was sealed to. */
export function openCredential(keys: Keys, credential: CredentialRecord): Promise<Uint8Array> {
    return openWith(keyFor(keys, credential.keyFingerprint), base64ToBytes(credential.envelope) ?? new Uint8Array(0));
}

/** The kept key a credential was sealed to: an active key or one they replaced (NO_PRIVATE_KEY). */
function keyFor(keys: Keys, fingerprint: string): PageKey {
    const key = [keys.encryption, keys.signing, ...keys.previous].find(
        (kept) => publicKeyOf(kept).fingerprint === fingerprint,
    );
    if (key === undefined) {
        throw new WebError('NO_PRIVATE_KEY', `this browser keeps no private key with fingerprint ${fingerprint}`);
    }
    return key;
}

/** Who has signed a file. */
export function signatures(session: GatewaySession, fileId: string): Promise<SignatureRecord[]> {
    return session.query<SignatureRecord[]>('GetSignatures', fileId);
}
