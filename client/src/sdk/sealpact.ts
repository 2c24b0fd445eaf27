import { Readable, Transform } from 'node:stream';
import {
    allPages,
    AuditEntry,
    auditTrail,
    ContractIndexEntry,
    ContractState,
    ContractView,
    DigestAlgorithm,
    FileRecord,
    IndexEntry,
    PartyView,
    readAuditRecords,
    SignatureRecord,
    SignatureRecordV3,
    WhoAmI,
} from '@sealpact/protocol';
import { PrivateKeyInfo } from '../crypto/keys';
import { BlobStore } from '../store/blob-store';
import { collectGarbage } from './gc';
import { grantAccess } from './grant';
import { Keyring, requireKeyring } from './keyring';
import { Ledger, LedgerConnection } from './ledger';
import {
    contractsAwaiting,
    contractsStarted,
    declineContract,
    expireContract,
    readContract,
    Transition,
    voidContract,
} from './lifecycle';
import { receive, ReceiveResult } from './receive';
import { SendResult } from './record-share';
import { registerKeys } from './register-keys';
import { send, SendOptions } from './send';
import { commitmentKey, signContract } from './sign';
import { UploadJournal } from './upload-journal';
import { InboxEvent, watchInbox } from './watch';

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
     * Send a file to verified recipients (send.ts), with `signers` (and a `deadline`) as a contract
     * with a signing plan. The blob is removed when the share certainly did not commit; when its
     * outcome is unknown send throws COMMIT_UNKNOWN and keeps the blob. Retrying with the same
     * fileId is idempotent.
     */
    async send(input: string | Readable, options: SendOptions): Promise<SendResult> {
        const { partyId } = await this.whoAmI();
        return send(
            { ledger: this.ledger, store: this.store, uploads: this.uploads, partyId, keyring: this.keyring },
            input,
            options,
        );
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

    /**
     * Sign the contract at `contractPath` with signing statement v3, naming the file's plan and the
     * caller's step when it has one (sign.ts); a read conflict with a co-signer is resubmitted.
     */
    async sign(fileId: string, contractPath: string): Promise<SignatureRecordV3 & { txId: string }> {
        const { partyId } = await this.whoAmI();
        return signContract({ ledger: this.ledger, keyring: this.keyring, partyId }, fileId, contractPath);
    }

    /** A signer whose turn it is declines the contract, with a reason (lifecycle.ts). */
    async decline(fileId: string, reason: string): Promise<Transition> {
        return declineContract(this.ledger, fileId, reason);
    }

    /** The owner voids its open contract, with a reason. */
    async void(fileId: string, reason: string): Promise<Transition> {
        return voidContract(this.ledger, fileId, reason);
    }

    /** Record that an open contract's deadline has passed (owner or a holder of an active credential). */
    async expire(fileId: string): Promise<Transition> {
        return expireContract(this.ledger, fileId);
    }

    /** A file's contract: its plan, each signer's state, reasons, times, and its state in force (a verified read). */
    async contract(fileId: string): Promise<ContractView> {
        return readContract(this.ledger, fileId);
    }

    /** The contracts awaiting this party's signature (all pages). */
    async awaitingMe(): Promise<ContractIndexEntry[]> {
        return contractsAwaiting(this.ledger);
    }

    /** The contracts this party started, all or those in `state` now (all pages). */
    async started(state?: ContractState): Promise<ContractIndexEntry[]> {
        return contractsStarted(this.ledger, state);
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

    /** Every recorded signature, v3 and older v2 and v1 ones alike (tell them apart by `schema`). */
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
     * Files shared with this party and the contract events concerning it, as they are committed
     * (watch.ts). With a checkpoint file a restarted watcher resumes after the last event whose
     * notices were all `done`.
     */
    async *watchInbox(options: { checkpointFile?: string; signal?: AbortSignal } = {}): AsyncGenerator<InboxEvent> {
        const { partyId } = await this.whoAmI();
        yield* watchInbox(this.ledger, partyId, options);
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
