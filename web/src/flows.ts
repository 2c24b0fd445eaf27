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
    sm2Open,
    sm2PublicKey,
    sm2SignMessage,
    SUITE_CIPHERTEXT_DIGEST,
    utf8,
    WhoAmI,
} from '@sealpact/protocol';
import { sm2 } from 'sm-crypto-v2';
import { decryptContainer, encryptContainer, Progress, treeDigest } from './container';
import { sealEnvelope } from './envelope';
import { GatewaySession } from './gateway-client';
import { browserPrimitives } from './primitives';
import { Sm2Pair } from './vault';

/**
 * The patent's steps in the browser, as the Node SDK takes them (docs/overview.md): register keys,
 * send (password from the drawing, encrypt, seal, upload, ShareFile), open (credential, download,
 * digest check, decrypt) and sign. Keys, passwords and plaintext stay in this page; the gateway
 * relays ciphertext and requests this page signed.
 */

/** The browser's Sealpact keys: one to receive file passwords, one to sign. */
export interface Keys {
    encryption: Sm2Pair;
    signing: Sm2Pair;
}

export function generateKeys(): Keys {
    return { encryption: sm2.generateKeyPairHex(), signing: sm2.generateKeyPairHex() };
}

/** Register the keys, each proving possession by signing the key-registration statement. */
export async function registerKeys(session: GatewaySession, keys: Keys): Promise<PartyView> {
    const me = await session.query<WhoAmI>('WhoAmI');
    const encryption = sm2PublicKey(keys.encryption.publicKey);
    const signing = sm2PublicKey(keys.signing.publicKey);
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
    const proof = (pair: Sm2Pair, key: PublicKeyInfo) => bytesToBase64(sm2SignMessage(pair.privateKey, key, statement));
    const { result } = await session.submit(
        'RegisterKeys',
        encryption.pem,
        proof(keys.encryption, encryption),
        signing.pem,
        proof(keys.signing, signing),
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
    } catch {
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
 * the intl container, the password sealed to each recipient and to the sender, the ciphertext
 * uploaded, then ShareFile; with a signing plan (checked first, as the SDK checks it),
 * ShareContract, which records the file and its contract in one transaction.
 */
export async function send(
    session: GatewaySession,
    keys: Keys,
    plaintext: Uint8Array,
    recipients: Recipient[],
    drawing: Drawing,
    progress: Progress,
    plan?: PlanChoice,
): Promise<SendResult> {
    const sealTo = pickable(recipients);
    const signingPlan = checkedPlan({
        sender: session.partyId,
        to: sealTo.map((r) => r.partyId),
        signers: plan?.signers,
        deadline: plan?.deadline,
    });
    sealTo.push({ partyId: session.partyId, key: sm2PublicKey(keys.encryption.publicKey) });
    const password = generateFilePassword({ drawing }, browserPrimitives, {
        now: Date.now,
        freeMemory: freeMemory,
    });
    const fileId = `f-${bytesToHex(browserPrimitives.randomBytes(12))}`;
    try {
        const parts = await encryptContainer(plaintext, password, fileId, (f) => {
            progress(0.8 * f);
        });
        const digest = await treeDigest(parts);
        const credentials = await sealPassword(sealTo, password);
        const blob = await session.putBlob(parts, SUITE_CIPHERTEXT_DIGEST.intl);
        if (blob.digest !== digest) {
            throw new CryptoError('DIGEST_MISMATCH', 'the store named the upload by another digest');
        }
        progress(0.9);
        const share = [
            fileId,
            'intl',
            SUITE_CIPHERTEXT_DIGEST.intl,
            digest,
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
        return { fileId, txId, digest, ...(contract && { contract }) };
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
    plaintext: Uint8Array;
    password: Uint8Array;
}

/**
 * Open a file: the user's credential opened with the encryption key, the ciphertext downloaded and
 * checked against the digest on the ledger (DIGEST_MISMATCH before any decryption), then decrypted.
 */
export async function open(session: GatewaySession, keys: Keys, fileId: string, progress: Progress): Promise<Opened> {
    const file = await session.query<FileRecord>('GetFile', fileId);
    const credential = await session.query<CredentialRecord>('GetCredential', fileId);
    const ciphertext = await session.getBlob(file.locator);
    progress(0.3);
    if (
        file.digestAlgorithm !== SUITE_CIPHERTEXT_DIGEST.intl ||
        (await treeDigest([ciphertext])) !== file.ciphertextDigest
    ) {
        throw new CryptoError('DIGEST_MISMATCH', `the downloaded ciphertext of ${fileId} is not the one on the ledger`);
    }
    const password = sm2Open(keys.encryption.privateKey, base64ToBytes(credential.envelope) ?? new Uint8Array(0));
    const plaintext = await decryptContainer(ciphertext, password, fileId, (f) => {
        progress(0.3 + 0.7 * f);
    });
    return { file, plaintext, password };
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
    const commitment = bytesToHex(browserPrimitives.hmac(hash, commitmentKey, opened.plaintext));
    commitmentKey.fill(0);
    const signingKey = sm2PublicKey(keys.signing.publicKey);
    const statement = signingStatement({
        fileId: file.fileId,
        digestAlgorithm: file.digestAlgorithm,
        plaintextCommitment: commitment,
        ciphertextDigest: file.ciphertextDigest,
        ...place,
        signer: session.partyId,
        signingKey: signingKey.fingerprint,
    });
    const signature = sm2SignMessage(keys.signing.privateKey, signingKey, utf8(statement));
    const { txId } = await session.submit('SignContract', file.fileId, statement, bytesToBase64(signature));
    return txId;
}

/** Who has signed a file. */
export function signatures(session: GatewaySession, fileId: string): Promise<SignatureRecord[]> {
    return session.query<SignatureRecord[]>('GetSignatures', fileId);
}
