import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { checkedPlan, ClientError, Drawing, Suite, SUITE_DIGEST } from '@sealpact/protocol';
import { BlobStore } from '../store/blob-store';
import { checkRecipients, ownKey } from './check-recipients';
import { encryptToStore } from './encrypt-to-store';
import { withNewFilePassword } from './file-password';
import { Keyring } from './keyring';
import { Ledger } from './ledger';
import { committedShare, recordShare, SendResult } from './record-share';
import { sealCredentials } from './seal-credentials';
import { UploadJournal } from './upload-journal';

export interface SendOptions {
    /** Party ids of the recipients (signers); the sender is added as the second credential. */
    to: readonly string[];
    suite: Suite;
    /** The user's drawing, mixed into the file password (docs/password.md). */
    drawing?: Drawing;
    /** A caller-chosen file id; retrying a send with the same id is idempotent. Default: random. */
    fileId?: string;
    /** A pass-through placed after the reader, e.g. the CLI's progress bar. */
    meter?: Transform;
    /**
     * A signing plan, making the file a contract (ShareContract): party ids per step, in order;
     * the parties of a step sign in parallel, and all of a step sign before the next step opens.
     * Each signer is the sender or one of `to`; `to` who are not in it are viewers.
     */
    signers?: readonly (readonly string[])[];
    /**
     * With `signers`: after this time nobody can sign. An ISO 8601 UTC time
     * (`2026-12-31T23:59:59Z`, optionally with milliseconds) or a Date, in the future and at most
     * 10 years ahead.
     */
    deadline?: string | Date;
}

/** The sender: its ledger, the blob store, its upload journal, its party id and its keyring. */
export interface Sender {
    ledger: Ledger;
    store: BlobStore;
    uploads?: UploadJournal;
    partyId: string;
    /** Pins the sender's own key (check-recipients.ts, ownKey); without it that key is a verified read. */
    keyring?: Keyring;
}

/**
 * Send a file in the patent's order: check every recipient (and the sender's own key), and the
 * signing plan if any, before any secret exists; make the file password; encrypt the file into
 * the blob store; seal the first credentials (recipients') and the second (the sender's own);
 * record the share on the ledger, with its plan in the same transaction (ShareContract). Nothing is
 * reported as sent unless that transaction committed. Retrying with the same fileId is idempotent:
 * an attempt that committed is returned without a new upload.
 */
export async function send(sender: Sender, input: string | Readable, options: SendOptions): Promise<SendResult> {
    const { ledger, partyId } = sender;
    const recipients = [...new Set(options.to)];
    if (recipients.length === 0) {
        throw new ClientError('BAD_ARGUMENT', 'send needs at least one recipient');
    }
    if (recipients.includes(partyId)) {
        throw new ClientError('BAD_ARGUMENT', 'the sender is added automatically; do not list yourself in "to"');
    }
    const plan = checkedPlan({ sender: partyId, to: recipients, signers: options.signers, deadline: options.deadline });
    const fileId = options.fileId ?? `f-${randomBytes(12).toString('hex')}`;
    // Only a caller-chosen id can have been sent before (a retry); a fresh random one cannot.
    const earlier = options.fileId === undefined ? undefined : await committedShare(ledger, fileId, partyId);
    if (earlier) {
        return earlier;
    }
    const keys = await checkRecipients(ledger, recipients);
    const own = await ownKey(ledger, partyId, sender.keyring?.activeFingerprint('encryption'));

    const share = await withNewFilePassword(
        { drawing: options.drawing, hash: SUITE_DIGEST[options.suite] },
        async (password) => ({
            fileId,
            suite: options.suite,
            blob: await encryptToStore(input, {
                store: sender.store,
                uploads: sender.uploads,
                suite: options.suite,
                password,
                fileId,
                meter: options.meter,
            }),
            credentials: sealCredentials([...keys, own], password),
            plan,
        }),
    );
    return recordShare({ ...sender, owner: partyId }, share);
}
