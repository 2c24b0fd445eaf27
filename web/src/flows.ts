import {
    allPages,
    AuditEntry,
    auditTrail,
    base64ToBytes,
    bytesToBase64,
    bytesToHex,
    ClientError,
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
}

/**
 * Send a file to verified recipients: the file password from the drawing (docs/password.md),
 * the intl container, the password sealed to each recipient and to the sender, the ciphertext
 * uploaded, then ShareFile.
 */
export async function send(
    session: GatewaySession,
    keys: Keys,
    plaintext: Uint8Array,
    recipients: Recipient[],
    drawing: Drawing,
    progress: Progress,
): Promise<SendResult> {
    const sealTo: Array<{ partyId: string; key: PublicKeyInfo }> = recipients.map((r) => {
        if (!r.verified || r.key === undefined) {
            throw new ClientError('BAD_ARGUMENT', `${r.partyId} is not a verified party with an encryption key`);
        }
        return { partyId: r.partyId, key: r.key };
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
        const credentials: CredentialInput[] = await Promise.all(
            sealTo.map(async ({ partyId, key }) => ({
                partyId,
                keyFingerprint: key.fingerprint,
                algorithm: key.algorithm,
                envelope: bytesToBase64(await sealEnvelope(key, password)),
            })),
        );
        const blob = await session.putBlob(parts, SUITE_CIPHERTEXT_DIGEST.intl);
        if (blob.digest !== digest) {
            throw new CryptoError('DIGEST_MISMATCH', 'the store named the upload by another digest');
        }
        progress(0.9);
        const { txId } = await session.submit(
            'ShareFile',
            fileId,
            'intl',
            SUITE_CIPHERTEXT_DIGEST.intl,
            digest,
            String(blob.size),
            blob.locator,
            JSON.stringify(credentials),
        );
        progress(1);
        return { fileId, txId, digest };
    } finally {
        password.fill(0);
    }
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

/**
 * Sign an opened file: signing statement v3 binding the file id, the keyed commitment to the
 * plaintext, the ciphertext digest and the signer's key (no plan: a file shared without a contract).
 */
export async function sign(session: GatewaySession, keys: Keys, opened: Opened): Promise<string> {
    const { file } = opened;
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
        contractPlan: null,
        step: null,
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
