import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
    AccessEvent,
    ClientError,
    CredentialInput,
    CredentialRecord,
    DigestAlgorithm,
    EVENTS,
    FileRecord,
    IndexEntry,
    isSealpactError,
    KeyRecord,
    keyRegistrationStatement,
    Page,
    parsePublicKey,
    PartyRecord,
    PublicKeyInfo,
    SignatureRecord,
    SignatureRecordV2,
    signingStatement,
    Suite,
    SUITE_DIGEST,
} from '@sealpact/protocol';
import { deriveCommitmentKey, plaintextCommitment } from '../crypto/commitment';
import { Drawing } from '../crypto/drawing';
import { openEnvelope, sealEnvelope } from '../crypto/envelope';
import { decryptToFile } from '../crypto/filecipher';
import { PrivateKeyInfo } from '../crypto/keys';
import { generateFilePassword } from '../crypto/password';
import { signDetached } from '../crypto/signature';
import { createEncryptStream } from '../crypto/stream';
import { BlobStore, StoredBlob } from '../store/blob-store';
import { Keyring } from './keyring';
import { UploadJournal } from './upload-journal';
import { LedgerConnection } from './ledger';
import { CommitUnknownError } from './ledger-errors';

/** GetParty's answer: the party record, its keys, and whether it is verified now. */
export type PartyView = PartyRecord & { verified: boolean; keys: KeyRecord[] };

/** WhoAmI's answer. */
export interface WhoAmI {
    partyId: string;
    mspId: string;
    commonName: string;
    isAdmin: boolean;
    registered: boolean;
    nextKeySequence: number;
    channel: string;
    chaincode: string;
}

export interface SendOptions {
    /** Party ids of the recipients (signers); the sender is added as the second credential. */
    to: string[];
    suite: Suite;
    /** The user's drawing, mixed into the file password (docs/password.md). */
    drawing?: Drawing;
    /** A caller-chosen file id; retrying a send with the same id is idempotent. Default: random. */
    fileId?: string;
    /** A pass-through placed after the reader, e.g. the CLI's progress bar. */
    meter?: Transform;
}

export interface SendResult {
    fileId: string;
    txId: string;
    locator: string;
    ciphertextDigest: string;
    digestAlgorithm: string;
    size: number;
    /** True when the file was already on the ledger from an earlier attempt with the same id. */
    alreadySent: boolean;
}

export interface ReceiveResult {
    fileId: string;
    out: string;
    suite: Suite;
    ciphertextDigest: string;
    size: number;
}

/** One step of a file's audit trail. */
export interface AuditEntry {
    at: string;
    txId: string;
    action: 'shared' | 'granted' | 'revoked' | 'signed';
    /** Who did it. */
    by: string;
    /** Whom it concerns (the recipient of a credential, the signer of a signature). */
    party: string;
    detail: string;
}

/**
 * The Sealpact SDK for one party: a Fabric identity (its ledger connection), its keyring of
 * Sealpact private keys, and the blob store holding encrypted files. Every method follows the
 * patent's order and checks; every failure is a SealpactError naming the problem.
 */
export class Sealpact {
    private me?: WhoAmI;

    constructor(
        readonly ledger: LedgerConnection,
        readonly store: BlobStore,
        readonly keyring?: Keyring,
        /** Where this party notes uploads until ShareFile commits; without one `gc` removes nothing. */
        readonly uploads?: UploadJournal,
    ) {}

    /** Who the ledger says this identity is (party id, key sequence, channel and chaincode). */
    async whoAmI(refresh = false): Promise<WhoAmI> {
        if (this.me === undefined || refresh) {
            this.me = await this.ledger.query<WhoAmI>('WhoAmI');
        }
        return this.me;
    }

    /**
     * Register (or rotate to) an encryption key and a signing key (they may be one key pair),
     * each proving possession by signing the key-registration statement. The keys are kept in the
     * keyring first and marked active only once the registration committed.
     */
    async registerKeys(
        encryption: PrivateKeyInfo,
        signing: PrivateKeyInfo = encryption,
    ): Promise<PartyView & { txId: string }> {
        const keyring = this.requireKeyring();
        await keyring.add(encryption, signing);
        const me = await this.whoAmI(true);
        const statement = Buffer.from(
            keyRegistrationStatement({
                channel: me.channel,
                chaincode: me.chaincode,
                partyId: me.partyId,
                sequence: me.nextKeySequence,
                encryptionKey: encryption.publicKey.fingerprint,
                signingKey: signing.publicKey.fingerprint,
            }),
        );
        const committed = await this.ledger.submit(
            'RegisterKeys',
            encryption.publicKey.pem,
            signDetached(encryption, statement).toString('base64'),
            signing.publicKey.pem,
            signDetached(signing, statement).toString('base64'),
        );
        await keyring.activate(encryption.publicKey.fingerprint, signing.publicKey.fingerprint);
        this.me = undefined;
        return { ...(JSON.parse(committed.payload) as PartyView), txId: committed.txId };
    }

    async revokeKeys(): Promise<{ txId: string }> {
        const { txId } = await this.ledger.submit('RevokeKeys');
        return { txId };
    }

    async getParty(partyId: string): Promise<PartyView> {
        return this.ledger.query<PartyView>('GetParty', partyId);
    }

    /** Authorities only: record that `partyId`'s real identity was verified off-chain. */
    async recordVerification(
        partyId: string,
        verification: { serial: string; level: string; expiresAt?: string },
    ): Promise<{ txId: string }> {
        const { txId } = await this.ledger.submit(
            'RecordVerification',
            partyId,
            verification.serial,
            verification.level,
            verification.expiresAt ?? '',
        );
        return { txId };
    }

    async revokeVerification(partyId: string): Promise<{ txId: string }> {
        const { txId } = await this.ledger.submit('RevokeVerification', partyId);
        return { txId };
    }

    /**
     * Send a file: look every recipient up on the ledger (registered, active key, verified) before
     * anything else; generate the file password; stream encrypt → store while hashing; seal one
     * credential per recipient and one for the sender; record it all with ShareFile. Nothing is
     * reported as sent unless ShareFile committed. The uploaded blob is removed when ShareFile
     * certainly did not commit; when its outcome is unknown send throws COMMIT_UNKNOWN and keeps the
     * blob (`gc` removes it if the ledger turns out not to hold it, and any left by a crash).
     * Retrying with the same fileId is idempotent.
     */
    async send(input: string | Readable, options: SendOptions): Promise<SendResult> {
        const me = await this.whoAmI();
        const recipients = [...new Set(options.to)];
        if (recipients.length === 0) {
            throw new ClientError('BAD_ARGUMENT', 'send needs at least one recipient');
        }
        if (recipients.includes(me.partyId)) {
            throw new ClientError('BAD_ARGUMENT', 'the sender is added automatically; do not list yourself in "to"');
        }
        const fileId = options.fileId ?? `f-${randomBytes(12).toString('hex')}`;
        // Only a caller-chosen id can have been sent before (a retry); a fresh random one cannot.
        const existing = options.fileId === undefined ? undefined : await this.existingShare(fileId, me.partyId);
        if (existing) {
            return existing;
        }
        // The patent's precondition, checked here before any secret exists (the chaincode checks again).
        const keys = await Promise.all(recipients.map((partyId) => this.recipientKey(partyId)));
        const ownKey = await this.recipientKey(me.partyId, false);

        const digestAlgorithm = SUITE_DIGEST[options.suite];
        const password = generateFilePassword({ drawing: options.drawing, hash: digestAlgorithm });
        let blob: StoredBlob;
        let credentials: CredentialInput[];
        try {
            const source = typeof input === 'string' ? createReadStream(input) : input;
            const encryptor = createEncryptStream({ suite: options.suite, password, aad: fileId });
            const stages = options.meter ? [source, options.meter, encryptor] : [source, encryptor];
            [blob] = await Promise.all([
                this.store.put(encryptor, { digestAlg: digestAlgorithm }),
                pipeline(stages).catch((err) => {
                    encryptor.destroy(err); // so the store's put fails too and stores nothing
                    throw err;
                }),
            ]);
            await this.uploads?.add({ locator: blob.locator, fileId, at: new Date().toISOString() });
            credentials = sealFor([...keys, ownKey], password);
        } finally {
            password.fill(0); // the password lives on only inside the credentials
        }
        try {
            const committed = await this.ledger.submit(
                'ShareFile',
                fileId,
                options.suite,
                digestAlgorithm,
                blob.digest,
                String(blob.size),
                blob.locator,
                JSON.stringify(credentials),
            );
            // Best effort: a stale entry only makes a later gc check this file on the ledger.
            await this.uploads?.remove(blob.locator).catch(() => undefined);
            return { fileId, txId: committed.txId, ...blobResult(blob, digestAlgorithm), alreadySent: false };
        } catch (err) {
            if (err instanceof CommitUnknownError) {
                // ShareFile may still commit with this blob: keep it and its journal entry. A retry
                // with the same file id, or gc (which asks the ledger first), settles it.
                throw new CommitUnknownError(
                    err.transaction,
                    err.txId,
                    err.stage,
                    err.reason,
                    `the blob is kept; retry send with --file-id ${fileId} or run gc later`,
                );
            }
            // Refused before the orderer, or invalid at commit (ledger-errors.ts, mayHaveCommitted):
            // the ledger cannot hold this blob. If the removal fails too, the journal entry stays
            // for gc; the caller sees the first error.
            await this.store
                .delete(blob.locator)
                .then(() => this.uploads?.remove(blob.locator))
                .catch(() => undefined);
            // The id may be taken by an earlier attempt of ours that committed meanwhile (say after
            // COMMIT_UNKNOWN): refused at endorsement, or invalid at commit (MVCC_READ_CONFLICT).
            const earlier =
                isSealpactError(err, 'DUPLICATE_ID') || isSealpactError(err, 'COMMIT_FAILED')
                    ? await this.existingShare(fileId, me.partyId)
                    : undefined;
            if (earlier) {
                return earlier;
            }
            throw err;
        }
    }

    /** The caller's inbox: every file shared with it, oldest first (all pages). */
    async inbox(): Promise<IndexEntry[]> {
        return this.allPages<IndexEntry>('ListInbox');
    }

    async sent(): Promise<IndexEntry[]> {
        return this.allPages<IndexEntry>('ListSent');
    }

    async getFile(fileId: string): Promise<FileRecord> {
        return this.ledger.query<FileRecord>('GetFile', fileId);
    }

    /**
     * Receive a file: fetch the caller's own credential, open it with the matching private key,
     * download the blob, check its digest against the ledger and decrypt into a temporary file
     * that becomes `out` only when everything verified.
     */
    async receive(
        fileId: string,
        out: string,
        options: { meter?: (size: number) => Transform } = {},
    ): Promise<ReceiveResult> {
        const credential = await untilCommittedHere(() => this.ledger.query<CredentialRecord>('GetCredential', fileId));
        const file = await this.getFile(fileId);
        return this.withFilePassword(credential, async (password) => {
            const blob = await this.store.get(file.locator);
            const info = await decryptToFile(blob, out, {
                password,
                aad: fileId,
                expectedDigest: file.ciphertextDigest,
                meter: options.meter?.(file.size),
            });
            return { fileId, out, suite: info.suite, ciphertextDigest: info.digest, size: info.size };
        });
    }

    /**
     * Sign the contract: the signing statement binds the file id, a keyed commitment to the
     * plaintext (of the file at `contractPath`, normally what receive wrote; see commitmentKey)
     * and the ciphertext digest on record, signed with the caller's active signing key and
     * verified by the chaincode.
     */
    async sign(fileId: string, contractPath: string): Promise<SignatureRecordV2 & { txId: string }> {
        const file = await this.getFile(fileId);
        const me = await this.whoAmI();
        const key = await this.requireKeyring().active('signing');
        const commitmentKey = await this.fileCommitmentKey(file);
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
            signer: me.partyId,
            signingKey: key.publicKey.fingerprint,
        });
        const signature = signDetached(key, Buffer.from(statement));
        const committed = await this.ledger.submit('SignContract', fileId, statement, signature.toString('base64'));
        return { ...(JSON.parse(committed.payload) as SignatureRecordV2), txId: committed.txId };
    }

    /**
     * Reveal this file's commitment key K, for someone who should check a copy of the contract
     * against the signing statements (a court, a notary: `openssl dgst -mac HMAC`, docs/ledger.md)
     * without receiving the file password. K decrypts nothing and serves this file only; until
     * handed over it is a secret, so zero `key` after use. Needs an active credential for the file.
     */
    async commitmentKey(fileId: string): Promise<{ fileId: string; digestAlgorithm: DigestAlgorithm; key: Buffer }> {
        const file = await this.getFile(fileId);
        return { fileId: file.fileId, digestAlgorithm: file.digestAlgorithm, key: await this.fileCommitmentKey(file) };
    }

    /** Every recorded signature, v2 and older v1 ones alike (tell them apart by `schema`). */
    async signatures(fileId: string): Promise<SignatureRecord[]> {
        return this.ledger.query<SignatureRecord[]>('GetSignatures', fileId);
    }

    /** Owner only: give more parties access, re-sealing the file password from the owner's own credential. */
    async grant(fileId: string, partyIds: string[]): Promise<{ txId: string }> {
        const own = await this.ledger.query<CredentialRecord>('GetCredential', fileId);
        return this.withFilePassword(own, async (password) => {
            const keys = await Promise.all([...new Set(partyIds)].map((partyId) => this.recipientKey(partyId)));
            const credentials = sealFor(keys, password);
            const { txId } = await this.ledger.submit('GrantAccess', fileId, JSON.stringify(credentials));
            return { txId };
        });
    }

    /** Owner only: mark a recipient's credential revoked (it cannot take back a key already fetched). */
    async revoke(fileId: string, partyId: string): Promise<{ txId: string }> {
        const { txId } = await this.ledger.submit('RevokeAccess', fileId, partyId);
        return { txId };
    }

    /**
     * Auditors: a file's whole trail from the ledger's key history — the share, every grant and
     * revocation of a credential, every signature — with parties, times and transaction ids.
     */
    async audit(fileId: string): Promise<{ file: FileRecord; trail: AuditEntry[] }> {
        const file = await this.getFile(fileId);
        const parties = [file.owner, ...file.recipients];
        const trail: AuditEntry[] = [];
        for (const party of parties) {
            const versions = (await this.history('credential', fileId, party)).reverse(); // oldest first
            let previous: CredentialRecord | undefined;
            for (const { txId, timestamp, value } of versions) {
                const credential = value as CredentialRecord | null;
                if (credential === null) continue;
                if (credential.status === 'revoked' && previous?.status !== 'revoked') {
                    trail.push({
                        at: timestamp,
                        txId,
                        action: 'revoked',
                        by: file.owner,
                        party,
                        detail: 'credential revoked',
                    });
                } else if (credential.status === 'active' && credential.version !== previous?.version) {
                    const action = txId === file.createdTxId ? 'shared' : 'granted';
                    const detail = `${credential.algorithm.toUpperCase()} credential v${credential.version} for key ${credential.keyFingerprint}`;
                    trail.push({ at: timestamp, txId, action, by: credential.grantedBy, party, detail });
                }
                previous = credential;
            }
        }
        for (const signature of await this.signatures(fileId)) {
            const over =
                signature.schema === 'sealpact/signature/v2'
                    ? `hmac-${signature.digestAlgorithm}:${signature.plaintextCommitment}`
                    : `${signature.digestAlgorithm}:${signature.plaintextDigest}`;
            const detail = `${signature.algorithm.toUpperCase()} signature over ${over}`;
            trail.push({
                at: signature.signedAt,
                txId: signature.txId,
                action: 'signed',
                by: signature.signer,
                party: signature.signer,
                detail,
            });
        }
        trail.sort((a, b) => a.at.localeCompare(b.at) || a.action.localeCompare(b.action));
        return { file, trail };
    }

    /**
     * Files shared with this party as they are committed, from chaincode events. With a
     * checkpoint file a restarted watcher resumes after the last share it handed out: call the
     * returned `done` after handling each share (then it is never repeated nor missed).
     */
    async *watchInbox(
        options: { checkpointFile?: string; signal?: AbortSignal } = {},
    ): AsyncGenerator<AccessEvent & { done(): Promise<void> }> {
        const me = await this.whoAmI();
        const { events, checkpoint } = await this.ledger.chaincodeEvents({ checkpointFile: options.checkpointFile });
        const stop = () => events.close();
        options.signal?.addEventListener('abort', stop);
        try {
            for await (const event of events) {
                const relevant =
                    (event.eventName === EVENTS.fileShared || event.eventName === EVENTS.accessGranted) &&
                    (JSON.parse(Buffer.from(event.payload).toString('utf8')) as AccessEvent).recipients.some(
                        (r) => r.partyId === me.partyId,
                    );
                if (!relevant) {
                    await checkpoint(event);
                    continue;
                }
                const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as AccessEvent;
                yield { ...payload, done: () => checkpoint(event) };
            }
        } catch (err) {
            if (!options.signal?.aborted) throw err;
        } finally {
            options.signal?.removeEventListener('abort', stop);
            events.close();
        }
    }

    /**
     * Remove what failed sends of this party left in the store: blobs it uploaded (per its upload
     * journal) whose file the ledger does not hold, and uploads abandoned mid-way, once older than
     * `graceMs`. Blobs of other parties sharing the store are never touched.
     */
    async gc(graceMs = 60 * 60 * 1000): Promise<{ removed: string[]; abandonedUploads: number }> {
        const cutoff = new Date(Date.now() - graceMs);
        const me = await this.whoAmI();
        const removed: string[] = [];
        for (const upload of (await this.uploads?.pending()) ?? []) {
            if (new Date(upload.at) > cutoff) {
                continue;
            }
            // Another party owning the id (DUPLICATE_ID) means ours never made it; any other error
            // (say the network is down) stops gc before it removes anything it cannot prove orphaned.
            const share = await this.existingShare(upload.fileId, me.partyId).catch((err) => {
                if (isSealpactError(err, 'DUPLICATE_ID')) return undefined;
                throw err;
            });
            if (share?.locator !== upload.locator) {
                await this.store.delete(upload.locator);
                removed.push(upload.locator);
            }
            await this.uploads?.remove(upload.locator);
        }
        return { removed, abandonedUploads: await this.store.removeAbandonedUploads(cutoff) };
    }

    close(): void {
        this.ledger.close();
    }

    private requireKeyring(): Keyring {
        if (this.keyring === undefined) {
            throw new ClientError('NO_KEYRING', "this operation needs the party's keyring (its Sealpact private keys)");
        }
        return this.keyring;
    }

    /** This party's commitment key for a file, from the file password in its own credential. The caller zeroes it. */
    private async fileCommitmentKey(file: FileRecord): Promise<Buffer> {
        const credential = await this.ledger.query<CredentialRecord>('GetCredential', file.fileId);
        return this.withFilePassword(credential, (password) =>
            deriveCommitmentKey(password, file.fileId, file.digestAlgorithm),
        );
    }

    /** Open this party's own credential with its keyring key, use the file password, and always zero it. */
    private async withFilePassword<T>(
        credential: CredentialRecord,
        use: (password: Buffer) => T | Promise<T>,
    ): Promise<T> {
        const password = openEnvelope(
            await this.requireKeyring().key(credential.keyFingerprint),
            Buffer.from(credential.envelope, 'base64'),
        );
        try {
            return await use(password);
        } finally {
            password.fill(0);
        }
    }

    /** A party's active encryption key, refusing unknown, keyless or (for recipients) unverified parties. */
    private async recipientKey(
        partyId: string,
        mustBeVerified = true,
    ): Promise<{ partyId: string; publicKey: PublicKeyInfo }> {
        const party = await this.getParty(partyId);
        const record = party.keys.find((key) => key.fingerprint === party.encryptionKey && key.status === 'active');
        if (record === undefined) {
            throw new ClientError('NO_ACTIVE_KEY', `${partyId} has no active encryption key on the ledger`);
        }
        if (mustBeVerified && !party.verified) {
            throw new ClientError('NOT_VERIFIED', `${partyId} is not verified by an identity authority`);
        }
        const publicKey = parsePublicKey(record.publicKeyPem, `${partyId}'s encryption key`);
        if (publicKey.fingerprint !== record.fingerprint) {
            throw new ClientError('KEY_MISMATCH', `${partyId}'s key on the ledger does not match its fingerprint`);
        }
        return { partyId, publicKey };
    }

    /** The result of an earlier send with this id by this party, if it committed. */
    private async existingShare(fileId: string, owner: string): Promise<SendResult | undefined> {
        let file: FileRecord;
        try {
            file = await this.getFile(fileId);
        } catch (err) {
            if (isSealpactError(err, 'NOT_FOUND') || isSealpactError(err, 'ACCESS_DENIED')) {
                return undefined;
            }
            throw err;
        }
        if (file.owner !== owner) {
            throw new ClientError('DUPLICATE_ID', `file id ${fileId} is already used by ${file.owner}`);
        }
        return {
            fileId,
            txId: file.createdTxId,
            locator: file.locator,
            ciphertextDigest: file.ciphertextDigest,
            digestAlgorithm: file.digestAlgorithm,
            size: file.size,
            alreadySent: true,
        };
    }

    /** Every page of a paged query: `args` come before its page size and bookmark. */
    private async allPages<T>(transaction: string, ...args: string[]): Promise<T[]> {
        const entries: T[] = [];
        let bookmark = '';
        do {
            const page = await this.ledger.query<Page<T>>(transaction, ...args, '100', bookmark);
            entries.push(...page.items);
            bookmark = page.bookmark;
        } while (bookmark !== '');
        return entries;
    }

    private async history(kind: string, id: string, subId = '') {
        return this.allPages<{ txId: string; timestamp: string; isDelete: boolean; value: unknown }>(
            'GetHistory',
            kind,
            id,
            subId,
        );
    }
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

/** One credential per party: the file password sealed to its encryption key. */
function sealFor(keys: { partyId: string; publicKey: PublicKeyInfo }[], password: Buffer): CredentialInput[] {
    return keys.map((key) => ({
        partyId: key.partyId,
        keyFingerprint: key.publicKey.fingerprint,
        algorithm: key.publicKey.algorithm,
        envelope: sealEnvelope(key.publicKey, password).toString('base64'),
    }));
}

function blobResult(blob: { locator: string; digest: string; size: number }, digestAlgorithm: string) {
    return { locator: blob.locator, ciphertextDigest: blob.digest, digestAlgorithm, size: blob.size };
}
