import { Readable, Transform } from 'node:stream';
import { DigestAlgorithm, FileRecord, IndexEntry, SignatureRecord, SignatureRecordV2 } from '@sealpact/protocol';
import { PrivateKeyInfo } from '../crypto/keys';
import { BlobStore } from '../store/blob-store';
import { AuditEntry, auditTrail, readAuditRecords } from './audit-trail';
import { collectGarbage } from './gc';
import { grantAccess } from './grant';
import { Keyring, requireKeyring } from './keyring';
import { Ledger, LedgerConnection } from './ledger';
import { allPages } from './paging';
import { PartyView, WhoAmI } from './parties';
import { receive, ReceiveResult } from './receive';
import { SendResult } from './record-share';
import { registerKeys } from './register-keys';
import { send, SendOptions } from './send';
import { commitmentKey, signContract } from './sign';
import { UploadJournal } from './upload-journal';
import { InboxEvent, watchShares } from './watch';

/**
 * The Sealpact SDK for one party: a Fabric identity (its ledger connection), its keyring of
 * Sealpact private keys, and the blob store holding encrypted files. Each method is one step of
 * the patent, done by the module of that name (docs/overview.md); every failure is a
 * SealpactError naming the problem.
 */
export class Sealpact<L extends Ledger = LedgerConnection> {
    private me?: WhoAmI;

    constructor(
        readonly ledger: L,
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

    /** Register (or rotate to) an encryption key and a signing key; see register-keys.ts. */
    async registerKeys(
        encryption: PrivateKeyInfo,
        signing: PrivateKeyInfo = encryption,
    ): Promise<PartyView & { txId: string }> {
        try {
            return await registerKeys(this.ledger, requireKeyring(this.keyring), encryption, signing);
        } finally {
            this.me = undefined; // the key sequence moved on
        }
    }

    async revokeKeys(): Promise<{ txId: string }> {
        const { txId } = await this.ledger.submit('RevokeKeys');
        return { txId };
    }

    async getParty(partyId: string): Promise<PartyView> {
        return this.ledger.read<PartyView>('GetParty', partyId);
    }

    /** Authorities only: record that `partyId`'s real identity was verified off-chain. */
    async recordVerification(
        partyId: string,
        verification: { serial: string; level: string; expiresAt?: string },
    ): Promise<{ txId: string }> {
        const { serial, level, expiresAt = '' } = verification;
        const { txId } = await this.ledger.submit('RecordVerification', partyId, serial, level, expiresAt);
        return { txId };
    }

    async revokeVerification(partyId: string): Promise<{ txId: string }> {
        const { txId } = await this.ledger.submit('RevokeVerification', partyId);
        return { txId };
    }

    /**
     * Send a file to verified recipients (send.ts). The blob is removed when ShareFile certainly did
     * not commit; when its outcome is unknown send throws COMMIT_UNKNOWN and keeps the blob.
     * Retrying with the same fileId is idempotent.
     */
    async send(input: string | Readable, options: SendOptions): Promise<SendResult> {
        const { partyId } = await this.whoAmI();
        return send({ ledger: this.ledger, store: this.store, uploads: this.uploads, partyId }, input, options);
    }

    /** The caller's inbox: every file shared with it, oldest first (all pages). */
    async inbox(): Promise<IndexEntry[]> {
        return allPages<IndexEntry>(this.ledger, 'ListInbox');
    }

    async sent(): Promise<IndexEntry[]> {
        return allPages<IndexEntry>(this.ledger, 'ListSent');
    }

    async getFile(fileId: string): Promise<FileRecord> {
        return this.ledger.read<FileRecord>('GetFile', fileId);
    }

    /** Decrypt a file shared with this party into `out`, only once all of it verified (receive.ts). */
    async receive(
        fileId: string,
        out: string,
        options: { meter?: (size: number) => Transform } = {},
    ): Promise<ReceiveResult> {
        return receive({ ledger: this.ledger, store: this.store, keyring: this.keyring }, fileId, out, options);
    }

    /** Sign the contract at `contractPath` with signing statement v2 (sign.ts). */
    async sign(fileId: string, contractPath: string): Promise<SignatureRecordV2 & { txId: string }> {
        const { partyId } = await this.whoAmI();
        return signContract({ ledger: this.ledger, keyring: this.keyring, partyId }, fileId, contractPath);
    }

    /**
     * Reveal this file's commitment key K, for someone who should check a copy of the contract
     * against the signing statements (a court, a notary: `openssl dgst -mac HMAC`, docs/ledger.md)
     * without receiving the file password. K decrypts nothing and serves this file only; until
     * handed over it is a secret, so zero `key` after use. Needs an active credential for the file.
     */
    async commitmentKey(fileId: string): Promise<{ fileId: string; digestAlgorithm: DigestAlgorithm; key: Buffer }> {
        return commitmentKey(this.ledger, this.keyring, fileId);
    }

    /** Every recorded signature, v2 and older v1 ones alike (tell them apart by `schema`). */
    async signatures(fileId: string): Promise<SignatureRecord[]> {
        return this.ledger.read<SignatureRecord[]>('GetSignatures', fileId);
    }

    /** Owner only: give more parties access, re-sealing the file password from the owner's own credential. */
    async grant(fileId: string, partyIds: string[]): Promise<{ txId: string }> {
        return grantAccess(this.ledger, this.keyring, fileId, partyIds);
    }

    /** Owner only: mark a recipient's credential revoked (it cannot take back a key already fetched). */
    async revoke(fileId: string, partyId: string): Promise<{ txId: string }> {
        const { txId } = await this.ledger.submit('RevokeAccess', fileId, partyId);
        return { txId };
    }

    /** Auditors: a file's whole trail from the ledger's key history (audit-trail.ts). */
    async audit(fileId: string): Promise<{ file: FileRecord; trail: AuditEntry[] }> {
        const records = await readAuditRecords(this.ledger, fileId);
        return { file: records.file, trail: auditTrail(records) };
    }

    /**
     * Files shared with this party as they are committed (watch.ts). With a checkpoint file a
     * restarted watcher resumes after the last share whose `done` was called.
     */
    async *watchInbox(options: { checkpointFile?: string; signal?: AbortSignal } = {}): AsyncGenerator<InboxEvent> {
        const { partyId } = await this.whoAmI();
        yield* watchShares(this.ledger, partyId, options);
    }

    /** Remove this party's own orphaned uploads older than `graceMs` (gc.ts). */
    async gc(graceMs = 60 * 60 * 1000): Promise<{ removed: string[]; abandonedUploads: number }> {
        const { partyId } = await this.whoAmI();
        return collectGarbage({ ledger: this.ledger, store: this.store, uploads: this.uploads, partyId }, graceMs);
    }

    close(): void {
        this.ledger.close();
    }
}
